"""How the converter's results read on the command line, in English and in French."""

from tp3.lang import Lang, Phrases

__all__ = ["words"]

words = Phrases(
    {
        Lang.en: {
            "conversion": (
                "{amount} {source} = {converted} {target}  (rate {rate}, rates of {date})"
            ),
            "quote": "#{sequence:<4} {time}  {base}/{quote} {rate}  (reference {reference})",
            "total": "Total: {total} {target}  ({count} items, rates of {date})",
            "subtotal": "  {source}: {count} item(s), {amount} {source} -> {converted} {target}",
            "table_title": "Rates of {date}, per 1 {base}",
            "code": "Code",
            "currency": "Currency",
            "minor_units": "Minor units",
            "per_one": "Per 1 {base}",
        },
        Lang.fr: {
            "conversion": (
                "{amount} {source} = {converted} {target}  (taux {rate}, cours du {date})"
            ),
            "quote": "#{sequence:<4} {time}  {base}/{quote} {rate}  (référence {reference})",
            "total": "Total : {total} {target}  ({count} éléments, cours du {date})",
            "subtotal": (
                "  {source} : {count} élément(s), {amount} {source} -> {converted} {target}"
            ),
            "table_title": "Cours du {date}, pour 1 {base}",
            "code": "Code",
            "currency": "Devise",
            "minor_units": "Décimales",
            "per_one": "Pour 1 {base}",
        },
    }
)
