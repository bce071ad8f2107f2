"""ISO 4217 names and minor units (digits after the decimal point) of the currencies tp3 knows.

A rate table may only quote currencies listed here: the minor units decide how converted
amounts are rounded. The list covers every currency the ECB has published reference rates for
(current and historical ones still found in old eurofxref files), MAD, and a few others with 0
or 3 minor units.
"""

from typing import NamedTuple

__all__ = ["ISO_4217", "IsoCurrency"]


class IsoCurrency(NamedTuple):
    name: str
    minor_units: int


ISO_4217: dict[str, IsoCurrency] = {
    "AED": IsoCurrency("UAE dirham", 2),
    "AUD": IsoCurrency("Australian dollar", 2),
    "BGN": IsoCurrency("Bulgarian lev", 2),
    "BHD": IsoCurrency("Bahraini dinar", 3),
    "BRL": IsoCurrency("Brazilian real", 2),
    "CAD": IsoCurrency("Canadian dollar", 2),
    "CHF": IsoCurrency("Swiss franc", 2),
    "CLP": IsoCurrency("Chilean peso", 0),
    "CNY": IsoCurrency("Chinese yuan renminbi", 2),
    "CZK": IsoCurrency("Czech koruna", 2),
    "DKK": IsoCurrency("Danish krone", 2),
    "DZD": IsoCurrency("Algerian dinar", 2),
    "EGP": IsoCurrency("Egyptian pound", 2),
    "EUR": IsoCurrency("Euro", 2),
    "GBP": IsoCurrency("Pound sterling", 2),
    "HKD": IsoCurrency("Hong Kong dollar", 2),
    "HRK": IsoCurrency("Croatian kuna", 2),
    "HUF": IsoCurrency("Hungarian forint", 2),
    "IDR": IsoCurrency("Indonesian rupiah", 2),
    "ILS": IsoCurrency("Israeli shekel", 2),
    "INR": IsoCurrency("Indian rupee", 2),
    "ISK": IsoCurrency("Icelandic krona", 0),
    "JOD": IsoCurrency("Jordanian dinar", 3),
    "JPY": IsoCurrency("Japanese yen", 0),
    "KRW": IsoCurrency("South Korean won", 0),
    "KWD": IsoCurrency("Kuwaiti dinar", 3),
    "MAD": IsoCurrency("Moroccan dirham", 2),
    "MXN": IsoCurrency("Mexican peso", 2),
    "MYR": IsoCurrency("Malaysian ringgit", 2),
    "NOK": IsoCurrency("Norwegian krone", 2),
    "NZD": IsoCurrency("New Zealand dollar", 2),
    "OMR": IsoCurrency("Omani rial", 3),
    "PHP": IsoCurrency("Philippine peso", 2),
    "PLN": IsoCurrency("Polish zloty", 2),
    "RON": IsoCurrency("Romanian leu", 2),
    "RUB": IsoCurrency("Russian rouble", 2),
    "SAR": IsoCurrency("Saudi riyal", 2),
    "SEK": IsoCurrency("Swedish krona", 2),
    "SGD": IsoCurrency("Singapore dollar", 2),
    "THB": IsoCurrency("Thai baht", 2),
    "TND": IsoCurrency("Tunisian dinar", 3),
    "TRY": IsoCurrency("Turkish lira", 2),
    "USD": IsoCurrency("US dollar", 2),
    "XAF": IsoCurrency("CFA franc BEAC", 0),
    "XOF": IsoCurrency("CFA franc BCEAO", 0),
    "ZAR": IsoCurrency("South African rand", 2),
}
