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

    /** "6500 MAD = 708.68 USD  (rate 0.1090284084, rates of 2026-02-20)". */
    public static String conversion(ConvertResponse c) {
        return c.getAmount() + " " + c.getFromCurrency() + " = " + c.getConvertedAmount() + " "
                + c.getToCurrency() + "  (rate " + c.getRate() + ", rates of " + c.getRateDate() + ")";
    }

    /** "#1    23:27:36.474  EUR/USD 1.17736  (reference 1.1767)", the time in the given zone. */
    public static String tick(StreamQuotesResponse t, ZoneId zone) {
        Timestamp ts = t.getTime();
        String time = TICK_TIME.format(Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos()).atZone(zone));
        return String.format("#%-4d %s  %s/%s %s  (reference %s)", t.getSequence(), time,
                t.getBaseCurrency(), t.getQuoteCurrency(), t.getRate(), t.getReferenceRate());
    }

    /** The total line, then one line per subtotal. */
    public static List<String> batch(ConvertBatchResponse s) {
        List<String> lines = new ArrayList<>();
        lines.add("Total: " + s.getTotal() + " " + s.getToCurrency() + "  (" + s.getItemCount()
                + " items, rates of " + s.getRateDate() + ")");
        for (BatchSubtotal sub : s.getSubtotalsList()) {
            lines.add("  " + sub.getFromCurrency() + ": " + sub.getItemCount() + " item(s), "
                    + sub.getAmount() + " " + sub.getFromCurrency() + " -> " + sub.getConvertedAmount()
                    + " " + s.getToCurrency());
        }
        return lines;
    }

    /** A plain-text table: title, header, rows (code, name, minor units, rate), source. */
    public static List<String> currencyTable(ListCurrenciesResponse listing) {
        String base = listing.getBaseCurrency();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"Code", "Currency", "Minor units", "Per 1 " + base});
        for (Currency c : listing.getCurrenciesList()) {
            rows.add(new String[] {c.getCode(), c.getName(), Integer.toString(c.getMinorUnits()), c.getRate()});
        }
        List<String> lines = new ArrayList<>();
        lines.add("Rates of " + listing.getRateDate() + ", per 1 " + base);
        lines.addAll(table(rows, 1));
        if (!listing.getSource().isEmpty()) {
            lines.add(listing.getSource());
        }
        return lines;
    }

    /**
     * Rows (the first is the header) as aligned columns two spaces apart, a rule under the
     * header; column {@code leftColumn} (a name) is left-aligned, the others right-aligned.
     */
    public static List<String> table(List<String[]> rows, int leftColumn) {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        List<String> lines = new ArrayList<>();
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(i > 0 ? "  " : "").append(pad(row[i], width[i], i != leftColumn));
            }
            lines.add(line.toString().stripTrailing());
            if (r == 0) {
                StringBuilder rule = new StringBuilder();
                for (int i = 0; i < columns; i++) {
                    rule.append(i > 0 ? "  " : "").append("-".repeat(width[i]));
                }
                lines.add(rule.toString());
            }
        }
        return lines;
    }

    private static String pad(String text, int width, boolean right) {
        String spaces = " ".repeat(width - text.length());
        return right ? spaces + text : text + spaces;
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
