package tp3.client;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Phrases by key, a template in each language, written as tp3.lang.Phrases writes them (so that
 * the Java tables read as the Python ones): "{total}" is a field, "{sequence:<4}" one
 * left-aligned in 4 characters, "{line!r}" one quoted as Python's repr quotes a string.
 *
 * <p>Checked when made (so when its class loads): every language has every key, with the same
 * fields, so a missing or mistyped translation fails at once, not in front of a user.
 */
final class Phrases {
    private static final Pattern FIELD = Pattern.compile("\\{(\\w+)(!r)?(?::<(\\d+))?}");

    private final Map<Lang, Map<String, String>> table;

    Phrases(Map<Lang, Map<String, String>> table) {
        Map<String, String> english = table.get(Lang.en);
        for (Lang lang : Lang.values()) {
            Map<String, String> other = table.get(lang);
            if (other == null || !other.keySet().equals(english.keySet())) {
                throw new IllegalArgumentException(lang + " lacks or adds phrases");
            }
            other.forEach((key, template) -> {
                if (!fields(template).equals(fields(english.get(key)))) {
                    throw new IllegalArgumentException(lang + " '" + key + "': not the fields of the English");
                }
            });
        }
        this.table = new EnumMap<>(table);
    }

    /** The phrase {@code key} in {@code lang}, its fields filled from {@code fields}. */
    String say(Lang lang, String key, Map<String, ?> fields) {
        String template = table.get(lang).get(key);
        if (template == null) {
            throw new IllegalArgumentException("no phrase '" + key + "'");
        }
        Matcher field = FIELD.matcher(template);
        StringBuilder text = new StringBuilder();
        while (field.find()) {
            if (!fields.containsKey(field.group(1))) {
                throw new IllegalArgumentException("'" + key + "' needs a value for " + field.group(1));
            }
            String value = String.valueOf(fields.get(field.group(1)));
            if (field.group(2) != null) {
                value = repr(value);
            }
            if (field.group(3) != null) {
                value = value + " ".repeat(Math.max(0, Integer.parseInt(field.group(3)) - value.length()));
            }
            field.appendReplacement(text, Matcher.quoteReplacement(value));
        }
        return field.appendTail(text).toString();
    }

    /** A phrase without fields. */
    String say(Lang lang, String key) {
        return say(lang, key, Map.of());
    }

    Set<String> keys() {
        return table.get(Lang.en).keySet();
    }

    private static Set<String> fields(String template) {
        return FIELD.matcher(template).results().map(m -> m.group(1)).collect(Collectors.toSet());
    }

    /** A string as Python's repr shows it: 'text', or "text" if it holds a ' and no ". */
    static String repr(String text) {
        char quote = text.indexOf('\'') >= 0 && text.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder().append(quote);
        for (char c : text.toCharArray()) {
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c == quote) {
                        out.append('\\').append(c);
                    } else if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append(quote).toString();
    }
}
