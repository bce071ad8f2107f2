package tp3.client;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import tp3.currency.v1.ConvertBatchResponse;
import tp3.currency.v1.ConvertResponse;
import tp3.currency.v1.BatchSubtotal;
import tp3.currency.v1.Currency;
import tp3.currency.v1.ListCurrenciesResponse;
import tp3.currency.v1.StreamQuotesResponse;

/**
 * Currency output, text and --json, the same as the Python CLI's; money is always the server's
 * decimal string.
 */
public final class Formats {
    private static final DateTimeFormatter TICK_TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private Formats() {}

    /** "6500 MAD = 708.68 USD  (rate 0.1090284084, rates of 2026-02-20)", in {@code lang}. */
    public static String conversion(ConvertResponse c, Lang lang) {
        return CurrencyTexts.WORDS.say(lang, "conversion", Map.of("amount", c.getAmount(),
                "source", c.getFromCurrency(), "converted", c.getConvertedAmount(), "target", c.getToCurrency(),
                "rate", c.getRate(), "date", c.getRateDate()));
    }

    /** "#1    23:27:36.474  EUR/USD 1.17736  (reference 1.1767)", the time in the given zone. */
    public static String tick(StreamQuotesResponse t, ZoneId zone, Lang lang) {
        Timestamp ts = t.getTime();
        String time = TICK_TIME.format(Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos()).atZone(zone));
        return CurrencyTexts.WORDS.say(lang, "quote", Map.of("sequence", t.getSequence(), "time", time,
                "base", t.getBaseCurrency(), "quote", t.getQuoteCurrency(), "rate", t.getRate(),
                "reference", t.getReferenceRate()));
    }

    /** The total line, then one line per subtotal. */
    public static List<String> batch(ConvertBatchResponse s, Lang lang) {
        List<String> lines = new ArrayList<>();
        lines.add(CurrencyTexts.WORDS.say(lang, "total", Map.of("total", s.getTotal(), "target", s.getToCurrency(),
                "count", s.getItemCount(), "date", s.getRateDate())));
        for (BatchSubtotal sub : s.getSubtotalsList()) {
            lines.add(CurrencyTexts.WORDS.say(lang, "subtotal", Map.of("source", sub.getFromCurrency(),
                    "count", sub.getItemCount(), "amount", sub.getAmount(), "converted", sub.getConvertedAmount(),
                    "target", s.getToCurrency())));
        }
        return lines;
    }

    /** The table of the currencies (code, name, minor units, rate), titled with the rates' date,
     * their source as its caption. */
    public static List<String> currencyTable(ListCurrenciesResponse listing, Lang lang) {
        Map<String, String> base = Map.of("base", listing.getBaseCurrency());
        List<String[]> rows = new ArrayList<>();
        rows.add(Stream.of("code", "currency", "minor_units", "per_one")
                .map(key -> CurrencyTexts.WORDS.say(lang, key, base)).toArray(String[]::new));
        for (Currency c : listing.getCurrenciesList()) {
            rows.add(new String[] {c.getCode(), c.getName(), Integer.toString(c.getMinorUnits()), c.getRate()});
        }
        String title = CurrencyTexts.WORDS.say(lang, "table_title",
                Map.of("date", listing.getRateDate(), "base", listing.getBaseCurrency()));
        return RichTable.render(title, rows, 1, listing.getSource());
    }

    /** {"type": "conversion", ...}: one Convert answer. */
    public static JsonObject conversionJson(ConvertResponse c) {
        JsonObject o = JsonOption.object("conversion");
        o.addProperty("from_currency", c.getFromCurrency());
        o.addProperty("to_currency", c.getToCurrency());
        o.addProperty("amount", c.getAmount());
        o.addProperty("converted_amount", c.getConvertedAmount());
        o.addProperty("rate", c.getRate());
        o.addProperty("rate_date", c.getRateDate());
        return o;
    }

    public static JsonObject quoteJson(StreamQuotesResponse t) {
        JsonObject o = JsonOption.object("quote");
        o.addProperty("sequence", t.getSequence());
        o.addProperty("time", JsonOption.time(t.getTime()));
        o.addProperty("base_currency", t.getBaseCurrency());
        o.addProperty("quote_currency", t.getQuoteCurrency());
        o.addProperty("rate", t.getRate());
        o.addProperty("reference_rate", t.getReferenceRate());
        return o;
    }

    public static JsonObject batchJson(ConvertBatchResponse s) {
        JsonObject o = JsonOption.object("batch");
        o.addProperty("to_currency", s.getToCurrency());
        o.addProperty("total", s.getTotal());
        o.addProperty("item_count", s.getItemCount());
        JsonArray subtotals = new JsonArray();
        for (BatchSubtotal sub : s.getSubtotalsList()) {
            JsonObject one = new JsonObject();
            one.addProperty("from_currency", sub.getFromCurrency());
            one.addProperty("item_count", sub.getItemCount());
            one.addProperty("amount", sub.getAmount());
            one.addProperty("converted_amount", sub.getConvertedAmount());
            subtotals.add(one);
        }
        o.add("subtotals", subtotals);
        o.addProperty("rate_date", s.getRateDate());
        return o;
    }

    /** One currency of the listing, with what its rate means (per 1 base currency, of a date). */
    public static JsonObject currencyJson(Currency c, ListCurrenciesResponse listing) {
        JsonObject o = JsonOption.object("currency");
        o.addProperty("code", c.getCode());
        o.addProperty("name", c.getName());
        o.addProperty("minor_units", c.getMinorUnits());
        o.addProperty("rate", c.getRate());
        o.addProperty("base_currency", listing.getBaseCurrency());
        o.addProperty("rate_date", listing.getRateDate());
        return o;
    }

    /** "line 3: INVALID_ARGUMENT: amount must not be negative: -5". */
    public static String lineError(long line, String status, String message) {
        return "line " + line + ": " + status + ": " + message;
    }

    /** The name of a numeric gRPC status code (3 -> INVALID_ARGUMENT), or the number if unknown. */
    public static String codeName(int code) {
        for (Status.Code c : Status.Code.values()) {
            if (c.value() == code) {
                return c.name();
            }
        }
        return Integer.toString(code);
    }

    /** "INVALID_ARGUMENT: from_currency: XXX is not supported; ..." (no "error: " prefix). */
    public static String status(Status status) {
        String message = statusMessage(status);
        return message == null ? status.getCode().name() : status.getCode().name() + ": " + message;
    }

    /** What went wrong: the description, and its cause if it says more; null if neither. */
    public static String statusMessage(Status status) {
        String description = status.getDescription();
        if (description != null && description.isEmpty()) {
            description = null;
        }
        Throwable cause = status.getCause();
        StringBuilder text = new StringBuilder();
        if (description != null) {
            text.append(description);
        }
        if (cause != null && cause.getMessage() != null
                && (description == null || !description.contains(cause.getMessage()))) {
            text.append(description == null ? "" : " (").append(cause.getMessage())
                    .append(description == null ? "" : ")");
        }
        return text.isEmpty() ? null : text.toString();
    }

    public static String status(StatusRuntimeException e) {
        return status(e.getStatus());
    }
}
