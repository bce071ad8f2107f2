package tp3.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Timestamp;
import io.grpc.Status;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import tp3.currency.v1.BatchSubtotal;
import tp3.currency.v1.ConvertBatchResponse;
import tp3.currency.v1.ConvertResponse;
import tp3.currency.v1.Currency;
import tp3.currency.v1.ListCurrenciesResponse;
import tp3.currency.v1.StreamQuotesResponse;

class FormatsTest {
    @Test
    void conversionKeepsTheServersDecimalStrings() {
        ConvertResponse c = ConvertResponse.newBuilder().setAmount("6500").setFromCurrency("MAD")
                .setConvertedAmount("708.68").setToCurrency("USD").setRate("0.1090284084")
                .setRateDate("2026-02-20").build();
        assertEquals("6500 MAD = 708.68 USD  (rate 0.1090284084, rates of 2026-02-20)", Formats.conversion(c, Lang.en));
        ConvertResponse precise = c.toBuilder().setAmount("0.1000000001").setConvertedAmount("1234567890123.10").build();
        assertEquals("0.1000000001 MAD = 1234567890123.10 USD  (rate 0.1090284084, rates of 2026-02-20)",
                Formats.conversion(precise, Lang.en));
    }

    @Test
    void tick() {
        StreamQuotesResponse t = StreamQuotesResponse.newBuilder().setSequence(1)
                .setTime(Timestamp.newBuilder().setSeconds(84456).setNanos(474_900_000))
                .setBaseCurrency("EUR").setQuoteCurrency("USD").setRate("1.17736").setReferenceRate("1.1767").build();
        assertEquals("#1    23:27:36.474  EUR/USD 1.17736  (reference 1.1767)", Formats.tick(t, ZoneOffset.UTC, Lang.en));
    }

    @Test
    void batch() {
        ConvertBatchResponse s = ConvertBatchResponse.newBuilder().setToCurrency("USD").setTotal("826.35")
                .setItemCount(2).setRateDate("2026-02-20")
                .addSubtotals(BatchSubtotal.newBuilder().setFromCurrency("EUR").setItemCount(1)
                        .setAmount("100").setConvertedAmount("117.67"))
                .addSubtotals(BatchSubtotal.newBuilder().setFromCurrency("MAD").setItemCount(1)
                        .setAmount("6500").setConvertedAmount("708.68"))
                .build();
        assertEquals(List.of("Total: 826.35 USD  (2 items, rates of 2026-02-20)",
                "  EUR: 1 item(s), 100 EUR -> 117.67 USD",
                "  MAD: 1 item(s), 6500 MAD -> 708.68 USD"), Formats.batch(s, Lang.en));
    }

    @Test
    void currencyTableIsRichsInEitherLanguage() {
        ListCurrenciesResponse l = ListCurrenciesResponse.newBuilder().setBaseCurrency("EUR")
                .setRateDate("2026-02-20").setSource("ECB")
                .addCurrencies(Currency.newBuilder().setCode("JPY").setName("Japanese yen").setMinorUnits(0).setRate("182.63"))
                .addCurrencies(Currency.newBuilder().setCode("MAD").setName("Moroccan dirham").setMinorUnits(2).setRate("10.7926"))
                .build();
        // what rich prints for the Python CLI's table, trailing spaces included
        assertEquals(List.of(
                "           Rates of 2026-02-20, per 1 EUR           ",
                "┏━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━┳━━━━━━━━━━━┓",
                "┃ Code ┃ Currency        ┃ Minor units ┃ Per 1 EUR ┃",
                "┡━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━━━━┩",
                "│  JPY │ Japanese yen    │           0 │    182.63 │",
                "│  MAD │ Moroccan dirham │           2 │   10.7926 │",
                "└──────┴─────────────────┴─────────────┴───────────┘",
                "                        ECB                         "), Formats.currencyTable(l, Lang.en));
        ListCurrenciesResponse one = l.toBuilder().removeCurrencies(1)
                .setSource("ECB euro foreign exchange reference rates of 20 February 2026; MAD: Bank Al-Maghrib").build();
        assertEquals(List.of(
                "        Cours du 2026-02-20, pour 1 EUR         ",
                "┏━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━━━┓",
                "┃ Code ┃ Devise       ┃ Décimales ┃ Pour 1 EUR ┃",
                "┡━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━━━┩",
                "│  JPY │ Japanese yen │         0 │     182.63 │",
                "└──────┴──────────────┴───────────┴────────────┘",
                "ECB euro foreign exchange reference rates of 20 ",
                "      February 2026; MAD: Bank Al-Maghrib       "), Formats.currencyTable(one, Lang.fr));
    }

    @Test
    void resultsInFrench() {
        ConvertResponse c = ConvertResponse.newBuilder().setAmount("6500").setFromCurrency("MAD")
                .setConvertedAmount("708.68").setToCurrency("USD").setRate("0.1090284084")
                .setRateDate("2026-02-20").build();
        assertEquals("6500 MAD = 708.68 USD  (taux 0.1090284084, cours du 2026-02-20)", Formats.conversion(c, Lang.fr));
        StreamQuotesResponse t = StreamQuotesResponse.newBuilder().setSequence(12)
                .setTime(Timestamp.newBuilder().setSeconds(84456).setNanos(474_900_000))
                .setBaseCurrency("EUR").setQuoteCurrency("USD").setRate("1.17736").setReferenceRate("1.1767").build();
        assertEquals("#12   23:27:36.474  EUR/USD 1.17736  (référence 1.1767)", Formats.tick(t, ZoneOffset.UTC, Lang.fr));
        ConvertBatchResponse s = ConvertBatchResponse.newBuilder().setToCurrency("USD").setTotal("826.35")
                .setItemCount(2).setRateDate("2026-02-20")
                .addSubtotals(BatchSubtotal.newBuilder().setFromCurrency("MAD").setItemCount(2)
                        .setAmount("6500").setConvertedAmount("708.68"))
                .build();
        assertEquals(List.of("Total : 826.35 USD  (2 éléments, cours du 2026-02-20)",
                "  MAD : 2 élément(s), 6500 MAD -> 708.68 USD"), Formats.batch(s, Lang.fr));
    }

    @Test
    void errors() {
        assertEquals("INVALID_ARGUMENT: amount: must not be negative, got -5",
                Formats.status(Status.INVALID_ARGUMENT.withDescription("amount: must not be negative, got -5")));
        assertEquals("UNAVAILABLE: io exception (Connection refused)",
                Formats.status(Status.UNAVAILABLE.withDescription("io exception")
                        .withCause(new java.net.ConnectException("Connection refused"))));
        assertEquals("DEADLINE_EXCEEDED", Formats.status(Status.DEADLINE_EXCEEDED));
        assertEquals("INVALID_ARGUMENT", Formats.codeName(3));
        assertEquals("99", Formats.codeName(99));
        assertEquals("line 2: INVALID_ARGUMENT: bad", Formats.lineError(2, "INVALID_ARGUMENT", "bad"));
    }

    @Test
    void jsonIsTheDocumentedShape() {
        ConvertResponse c = ConvertResponse.newBuilder().setAmount("6500").setFromCurrency("MAD")
                .setConvertedAmount("708.68").setToCurrency("USD").setRate("0.1090284084")
                .setRateDate("2026-02-20").build();
        assertEquals("{\"type\":\"conversion\",\"from_currency\":\"MAD\",\"to_currency\":\"USD\","
                + "\"amount\":\"6500\",\"converted_amount\":\"708.68\",\"rate\":\"0.1090284084\","
                + "\"rate_date\":\"2026-02-20\"}", JsonOption.line(Formats.conversionJson(c)));
        // 64-bit integers are numbers; times UTC to the microsecond, even when it is 0
        StreamQuotesResponse t = StreamQuotesResponse.newBuilder().setSequence(1)
                .setTime(Timestamp.newBuilder().setSeconds(84456).setNanos(474_000_999))
                .setBaseCurrency("EUR").setQuoteCurrency("USD").setRate("1.17736").setReferenceRate("1.1767").build();
        assertEquals("{\"type\":\"quote\",\"sequence\":1,\"time\":\"1970-01-01T23:27:36.474000Z\","
                + "\"base_currency\":\"EUR\",\"quote_currency\":\"USD\",\"rate\":\"1.17736\","
                + "\"reference_rate\":\"1.1767\"}", JsonOption.line(Formats.quoteJson(t)));
        ConvertBatchResponse empty = ConvertBatchResponse.newBuilder().setToCurrency("USD").setTotal("0").build();
        assertEquals("{\"type\":\"batch\",\"to_currency\":\"USD\",\"total\":\"0\",\"item_count\":0,"
                + "\"subtotals\":[],\"rate_date\":\"\"}", JsonOption.line(Formats.batchJson(empty)));
        ListCurrenciesResponse l = ListCurrenciesResponse.newBuilder().setBaseCurrency("EUR").setRateDate("2026-02-20")
                .addCurrencies(Currency.newBuilder().setCode("JPY").setName("Japanese yen").setMinorUnits(0).setRate("182.63"))
                .build();
        assertEquals("{\"type\":\"currency\",\"code\":\"JPY\",\"name\":\"Japanese yen\",\"minor_units\":0,"
                + "\"rate\":\"182.63\",\"base_currency\":\"EUR\",\"rate_date\":\"2026-02-20\"}",
                JsonOption.line(Formats.currencyJson(l.getCurrencies(0), l)));
    }

    @Test
    void jsonErrorsNameTheirStatus() {
        assertEquals("{\"type\":\"error\",\"status\":\"NOT_FOUND\",\"code\":5,\"message\":\"no <room> & 'x'\"}",
                JsonOption.line(JsonOption.error(5, "no <room> & 'x'")));
        // a code gRPC has no name for reads as UNKNOWN, as the Python client reads it
        assertEquals("{\"type\":\"notice\",\"status\":\"UNKNOWN\",\"code\":2,\"message\":\"?\"}",
                JsonOption.line(JsonOption.notice(99, "?")));
        assertEquals("io exception (Connection refused)", Formats.statusMessage(Status.UNAVAILABLE
                .withDescription("io exception").withCause(new java.net.ConnectException("Connection refused"))));
        assertEquals(null, Formats.statusMessage(Status.DEADLINE_EXCEEDED));
    }
}
