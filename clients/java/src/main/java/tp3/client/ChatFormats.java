package tp3.client;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import tp3.chat.v1.ChatResponse;
import tp3.chat.v1.Joined;
import tp3.chat.v1.Member;
import tp3.chat.v1.MemberLeft;
import tp3.chat.v1.RoomMessage;
import tp3.chat.v1.RoomSummary;

/** How chat events read, as text and --json: the same lines as the Python CLI's {@code tp3 chat}. */
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

    /** "* joined room lobby as alice; here: alice, bob", in {@code lang}. */
    static String welcome(Joined joined, Lang lang) {
        return ChatTexts.WORDS.say(lang, "welcome", Map.of("room", joined.getRoom(), "name", joined.getName(),
                "names", names(joined.getMembersList())));
    }

    static String names(List<Member> members) {
        return members.stream().map(Member::getName).collect(Collectors.joining(", "));
    }

    static String message(RoomMessage m, ZoneId zone) {
        return clock(m.getTime(), zone) + m.getFrom() + ": " + m.getText();
    }

    /** One line for an event, in {@code lang}, or null for none (the welcome: {@link #welcome}). */
    static String event(ChatResponse response, ZoneId zone, Lang lang) {
        switch (response.getEventCase()) {
            case MESSAGE:
                return message(response.getMessage(), zone);
            case PRIVATE_MESSAGE: {
                var p = response.getPrivateMessage();
                return clock(p.getTime(), zone)
                        + ChatTexts.WORDS.say(lang, "private", Map.of("sender", p.getFrom(), "recipient", p.getTo()))
                        + ": " + p.getText();
            }
            case MEMBER_JOINED: {
                var j = response.getMemberJoined();
                return clock(j.getTime(), zone) + ChatTexts.WORDS.say(lang, "joined", Map.of("name", j.getName()));
            }
            case MEMBER_LEFT: {
                var l = response.getMemberLeft();
                return clock(l.getTime(), zone) + ChatTexts.WORDS.say(lang, leaveReason(l), Map.of("name", l.getName()));
            }
            case NOTICE:
                return "! " + Formats.codeName(response.getNotice().getCode()) + ": " + response.getNotice().getText();
            default:
                return null;
        }
    }

    /** Why a member left, as a word: left, too_slow, or disconnected (also for a reason this
     * client doesn't know, as the Python client reads one). */
    private static String leaveReason(MemberLeft left) {
        return switch (left.getReason()) {
            case LEAVE_REASON_LEFT, LEAVE_REASON_TOO_SLOW -> JsonOption.word(left.getReason(), "LEAVE_REASON_");
            default -> "disconnected";
        };
    }

    // --- --json: docs/json-lines.md ---

    static JsonObject welcomeJson(Joined joined) {
        JsonObject o = JsonOption.object("welcome");
        o.addProperty("room", joined.getRoom());
        o.addProperty("name", joined.getName());
        o.addProperty("member_id", joined.getMemberId());
        JsonArray members = new JsonArray();
        for (Member m : joined.getMembersList()) {
            members.add(member(new JsonObject(), m)); // items of the line: no type
        }
        o.add("members", members);
        o.addProperty("history_gap", joined.getHistoryGap());
        o.addProperty("room_epoch", joined.getRoomEpoch());
        o.addProperty("last_sequence", joined.getLastSequence());
        return o;
    }

    /** A room message: "message", or "history" for one of the welcome's. */
    static JsonObject messageJson(String type, RoomMessage m) {
        JsonObject o = JsonOption.object(type);
        o.addProperty("sequence", m.getSequence());
        o.addProperty("sender", m.getFrom());
        o.addProperty("text", m.getText());
        o.addProperty("time", JsonOption.time(m.getTime()));
        return o;
    }

    /** One event as an object, or null for none (the welcome: {@link #welcomeJson}). */
    static JsonObject eventJson(ChatResponse response) {
        switch (response.getEventCase()) {
            case MESSAGE:
                return messageJson("message", response.getMessage());
            case PRIVATE_MESSAGE: {
                var p = response.getPrivateMessage();
                JsonObject o = JsonOption.object("private");
                o.addProperty("sender", p.getFrom());
                o.addProperty("recipient", p.getTo());
                o.addProperty("text", p.getText());
                o.addProperty("time", JsonOption.time(p.getTime()));
                return o;
            }
            case MEMBER_JOINED: {
                var j = response.getMemberJoined();
                JsonObject o = JsonOption.object("joined");
                o.addProperty("name", j.getName());
                o.addProperty("time", JsonOption.time(j.getTime()));
                return o;
            }
            case MEMBER_LEFT: {
                var l = response.getMemberLeft();
                JsonObject o = JsonOption.object("left");
                o.addProperty("name", l.getName());
                o.addProperty("reason", leaveReason(l));
                o.addProperty("time", JsonOption.time(l.getTime()));
                return o;
            }
            case NOTICE:
                return JsonOption.notice(response.getNotice().getCode(), response.getNotice().getText());
            default:
                return null;
        }
    }

    static JsonObject memberJson(Member m) {
        return member(JsonOption.object("member"), m);
    }

    private static JsonObject member(JsonObject o, Member m) {
        o.addProperty("name", m.getName());
        o.addProperty("joined_at", JsonOption.time(m.getJoinedAt()));
        return o;
    }

    static JsonObject roomJson(RoomSummary r) {
        JsonObject o = JsonOption.object("room");
        o.addProperty("name", r.getName());
        o.addProperty("member_count", r.getMemberCount());
        o.addProperty("last_sequence", r.getLastSequence());
        return o;
    }
}
