package tp3.client;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A table as the Python CLI prints one with rich off a terminal (rich.Table's defaults, no
 * colours): the title centred above it, heavy lines around the header, light ones around the
 * rows, the caption centred below; title and caption wrapped to the table's width as rich wraps
 * words. One column (a name) is left-aligned, the others right-aligned, headers included.
 *
 * <p>A character is one cell wide here (rich counts East Asian wide ones as two), and the table
 * is never narrowed to fit the console, as rich does past its width (80 columns off a terminal,
 * or $COLUMNS): tp3's tables are narrower.
 */
final class RichTable {
    private static final Pattern WORD = Pattern.compile("\\s*\\S+\\s*");

    private RichTable() {}

    /** {@code rows} (the first is the header) under {@code title}, over {@code caption} (none if empty). */
    static List<String> render(String title, List<String[]> rows, int leftColumn, String caption) {
        int columns = rows.get(0).length;
        int[] widths = new int[columns]; // each with its padding, a space either side
        for (String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], cells(row[i]) + 2);
            }
        }
        int tableWidth = columns + 1;
        for (int width : widths) {
            tableWidth += width;
        }
        List<String> lines = new ArrayList<>(centred(title, tableWidth));
        lines.add(rule(widths, '┏', '━', '┳', '┓'));
        for (int r = 0; r < rows.size(); r++) {
            char edge = r == 0 ? '┃' : '│';
            StringBuilder line = new StringBuilder().append(edge);
            for (int i = 0; i < columns; i++) {
                line.append(' ').append(pad(rows.get(r)[i], widths[i] - 2, i != leftColumn)).append(' ').append(edge);
            }
            lines.add(line.toString());
            if (r == 0) {
                lines.add(rule(widths, '┡', '━', '╇', '┩'));
            }
        }
        lines.add(rule(widths, '└', '─', '┴', '┘'));
        lines.addAll(centred(caption, tableWidth));
        return lines;
    }

    private static String rule(int[] widths, char left, char line, char cross, char right) {
        StringBuilder rule = new StringBuilder().append(left);
        for (int i = 0; i < widths.length; i++) {
            rule.append(i > 0 ? String.valueOf(cross) : "").append(String.valueOf(line).repeat(widths[i]));
        }
        return rule.append(right).toString();
    }

    /** {@code text} wrapped to {@code width} as rich wraps it, each line centred (trailing
     * spaces included); nothing for an empty text. */
    static List<String> centred(String text, int width) {
        List<String> lines = new ArrayList<>();
        if (text == null || text.isEmpty()) {
            return lines;
        }
        List<Integer> breaks = breaks(text, width);
        breaks.add(text.length());
        int from = 0;
        for (int to : breaks) {
            String line = text.substring(from, to).stripTrailing();
            from = to;
            if (cells(line) > width) {
                line = line.substring(0, line.offsetByCodePoints(0, width));
            }
            int excess = width - cells(line);
            lines.add(" ".repeat(excess / 2) + line + " ".repeat(excess - excess / 2));
        }
        return lines;
    }

    /** Where rich's divide_line breaks {@code text} into lines of {@code width}: before each word
     * (with the spaces after it) that does not fit, folding the words longer than a line. */
    private static List<Integer> breaks(String text, int width) {
        List<Integer> breaks = new ArrayList<>();
        int offset = 0; // cells used on the current line
        Matcher words = WORD.matcher(text);
        while (words.find()) {
            int start = words.start();
            String word = words.group();
            int length = cells(word.stripTrailing());
            if (width - offset >= length) {
                offset += cells(word);
            } else if (length > width) {
                for (int chunk = 0; chunk < word.length(); ) {
                    int end = word.length();
                    if (cells(word.substring(chunk)) > width) {
                        end = word.offsetByCodePoints(chunk, width);
                    }
                    if (start + chunk > 0) {
                        breaks.add(start + chunk);
                    }
                    offset = cells(word.substring(chunk, end));
                    chunk = end;
                }
            } else if (offset > 0 && start > 0) {
                breaks.add(start);
                offset = cells(word);
            }
        }
        return breaks;
    }

    private static String pad(String text, int width, boolean right) {
        String spaces = " ".repeat(Math.max(0, width - cells(text)));
        return right ? spaces + text : text + spaces;
    }

    private static int cells(String text) {
        return text.codePointCount(0, text.length());
    }
}
