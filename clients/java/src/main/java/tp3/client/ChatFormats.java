package tp3.client;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.stream.Collectors;
import tp3.chat.v1.Chat.ChatResponse;
import tp3.chat.v1.Chat.Joined;
import tp3.chat.v1.Chat.Member;
import tp3.chat.v1.Chat.RoomMessage;

/** How chat events read: the same lines as the Python CLI's {@code tp3 chat}. */
final class ChatFormats {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private ChatFormats() {}

    /** "[14:02:07] " in {@code zone}. */
    static String clock(Timestamp time, ZoneId zone) {
        return "[" + CLOCK.format(Instant.ofEpochSecond(time.getSeconds(), time.getNanos()).atZone(zone)) + "] ";
    }

    /** "2026-11-24 14:02:07" in {@code zone}. */
    static String dateTime(Timestamp time, ZoneId zone) {
        return DATE_TIME.format(Instant.ofEpochSecond(time.getSeconds(), time.getNanos()).atZone(zone));
    }

    /** "* joined room lobby as alice; here: alice, bob". */
    static String welcome(Joined joined) {
        return "* joined room " + joined.getRoom() + " as " + joined.getName() + "; here: "
                + names(joined.getMembersList());
    }

    static String names(List<Member> members) {
        return members.stream().map(Member::getName).collect(Collectors.joining(", "));
    }

    static String message(RoomMessage m, ZoneId zone) {
        return clock(m.getTime(), zone) + m.getFrom() + ": " + m.getText();
    }

    /** One line for an event, or null for none (the welcome, shown by {@link #welcome}). */
    static String event(ChatResponse response, ZoneId zone) {
        switch (response.getEventCase()) {
            case MESSAGE:
                return message(response.getMessage(), zone);
            case PRIVATE_MESSAGE: {
                var p = response.getPrivateMessage();
                return clock(p.getTime(), zone) + p.getFrom() + " -> " + p.getTo() + " (private): " + p.getText();
            }
            case MEMBER_JOINED: {
                var j = response.getMemberJoined();
                return clock(j.getTime(), zone) + "* " + j.getName() + " joined";
            }
            case MEMBER_LEFT: {
                var l = response.getMemberLeft();
                String how = switch (l.getReason()) {
                    case LEAVE_REASON_DISCONNECTED -> "was disconnected";
                    case LEAVE_REASON_TOO_SLOW -> "was disconnected (too slow to read)";
                    default -> "left";
                };
                return clock(l.getTime(), zone) + "* " + l.getName() + " " + how;
            }
            case NOTICE:
                return "! " + Formats.codeName(response.getNotice().getCode()) + ": " + response.getNotice().getText();
            default:
                return null;
        }
    }
}
