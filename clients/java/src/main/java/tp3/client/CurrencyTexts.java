package tp3.client;

import static java.util.Map.entry;

import java.util.Map;

/** How the converter's results read, in English and in French: tp3/currency/texts.py's table. */
final class CurrencyTexts {
    static final Phrases WORDS = new Phrases(Map.of(
            Lang.en, Map.ofEntries(
                    entry("conversion",
                            "{amount} {source} = {converted} {target}  (rate {rate}, rates of {date})"),
                    entry("quote", "#{sequence:<4} {time}  {base}/{quote} {rate}  (reference {reference})"),
                    entry("total", "Total: {total} {target}  ({count} items, rates of {date})"),
                    entry("subtotal", "  {source}: {count} item(s), {amount} {source} -> {converted} {target}"),
                    entry("table_title", "Rates of {date}, per 1 {base}"),
                    entry("code", "Code"),
                    entry("currency", "Currency"),
                    entry("minor_units", "Minor units"),
                    entry("per_one", "Per 1 {base}")),
            Lang.fr, Map.ofEntries(
                    entry("conversion",
                            "{amount} {source} = {converted} {target}  (taux {rate}, cours du {date})"),
                    entry("quote", "#{sequence:<4} {time}  {base}/{quote} {rate}  (référence {reference})"),
                    entry("total", "Total : {total} {target}  ({count} éléments, cours du {date})"),
                    entry("subtotal", "  {source} : {count} élément(s), {amount} {source} -> {converted} {target}"),
                    entry("table_title", "Cours du {date}, pour 1 {base}"),
                    entry("code", "Code"),
                    entry("currency", "Devise"),
                    entry("minor_units", "Décimales"),
                    entry("per_one", "Pour 1 {base}"))));

    private CurrencyTexts() {}
}
