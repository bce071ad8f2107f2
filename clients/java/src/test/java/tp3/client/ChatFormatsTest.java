package tp3.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.Timestamp;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import tp3.chat.v1.ChatResponse;
import tp3.chat.v1.Joined;
import tp3.chat.v1.LeaveReason;
import tp3.chat.v1.Member;
import tp3.chat.v1.MemberLeft;
import tp3.chat.v1.Notice;
import tp3.chat.v1.PrivateMessage;
import tp3.chat.v1.RoomMessage;

class ChatFormatsTest {
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    // 2026-11-29T13:02:07Z: 14:02:07 in Paris
    private static final Timestamp TIME = Timestamp.newBuilder().setSeconds(1795957327L).build();

    @Test
    void roomMessageHasLocalClockSenderAndText() {
        ChatResponse r = ChatResponse.newBuilder().setMessage(
                RoomMessage.newBuilder().setFrom("alice").setText("hi").setTime(TIME).setSequence(3)).build();
        assertEquals("[14:02:07] alice: hi", ChatFormats.event(r, PARIS, Lang.en));
    }

    @Test
    void privateMessageSaysSo() {
        ChatResponse r = ChatResponse.newBuilder().setPrivateMessage(
                PrivateMessage.newBuilder().setFrom("alice").setTo("bob").setText("psst").setTime(TIME)).build();
        assertEquals("[14:02:07] alice -> bob (private): psst", ChatFormats.event(r, PARIS, Lang.en));
    }

    @Test
    void leavingSaysHow() {
        for (var c : new Object[][] {
                {LeaveReason.LEAVE_REASON_LEFT, "left"},
                {LeaveReason.LEAVE_REASON_DISCONNECTED, "was disconnected"},
                {LeaveReason.LEAVE_REASON_TOO_SLOW, "was disconnected (too slow to read)"}}) {
            ChatResponse r = ChatResponse.newBuilder().setMemberLeft(
                    MemberLeft.newBuilder().setName("bob").setReason((LeaveReason) c[0]).setTime(TIME)).build();
            assertEquals("[14:02:07] * bob " + c[1], ChatFormats.event(r, PARIS, Lang.en));
        }
    }

    @Test
    void eventsInFrench() {
        ChatResponse p = ChatResponse.newBuilder().setPrivateMessage(
                PrivateMessage.newBuilder().setFrom("alice").setTo("bob").setText("psst").setTime(TIME)).build();
        assertEquals("[14:02:07] alice -> bob (privé): psst", ChatFormats.event(p, PARIS, Lang.fr));
        ChatResponse joined = ChatResponse.newBuilder().setMemberJoined(
                tp3.chat.v1.MemberJoined.newBuilder().setName("bob").setTime(TIME)).build();
        assertEquals("[14:02:07] * bob est arrivé", ChatFormats.event(joined, PARIS, Lang.fr));
        for (var c : new Object[][] {
                {LeaveReason.LEAVE_REASON_LEFT, "est parti"},
                {LeaveReason.LEAVE_REASON_DISCONNECTED, "a été déconnecté"},
                {LeaveReason.LEAVE_REASON_UNSPECIFIED, "a été déconnecté"},
                {LeaveReason.LEAVE_REASON_TOO_SLOW, "a été déconnecté (trop lent à lire)"}}) {
            ChatResponse r = ChatResponse.newBuilder().setMemberLeft(
                    MemberLeft.newBuilder().setName("bob").setReason((LeaveReason) c[0]).setTime(TIME)).build();
            assertEquals("[14:02:07] * bob " + c[1], ChatFormats.event(r, PARIS, Lang.fr));
        }
        Joined welcome = Joined.newBuilder().setRoom("salon").setName("bob")
                .addMembers(Member.newBuilder().setName("alice"))
                .addMembers(Member.newBuilder().setName("bob")).build();
        assertEquals("* dans le salon salon sous le nom bob ; présents : alice, bob", ChatFormats.welcome(welcome, Lang.fr));
    }

    @Test
    void noticeNamesItsStatus() {
        ChatResponse r = ChatResponse.newBuilder().setNotice(
                Notice.newBuilder().setCode(5).setText("no member named 'zed' in room 'lobby'")).build();
        assertEquals("! NOT_FOUND: no member named 'zed' in room 'lobby'", ChatFormats.event(r, PARIS, Lang.en));
    }

    @Test
    void welcomeListsTheMembersAndIsNoEventLine() {
        Joined joined = Joined.newBuilder().setRoom("lobby").setName("bob")
                .addMembers(Member.newBuilder().setName("alice"))
                .addMembers(Member.newBuilder().setName("bob")).build();
        assertEquals("* joined room lobby as bob; here: alice, bob", ChatFormats.welcome(joined, Lang.en));
        assertNull(ChatFormats.event(ChatResponse.newBuilder().setJoined(joined).build(), PARIS, Lang.en));
    }

    @Test
    void jsonEventsAreTheDocumentedShape() {
        ChatResponse m = ChatResponse.newBuilder().setMessage(
                RoomMessage.newBuilder().setFrom("alice").setText("hi").setTime(TIME).setSequence(3)).build();
        assertEquals("{\"type\":\"message\",\"sequence\":3,\"sender\":\"alice\",\"text\":\"hi\","
                + "\"time\":\"2026-11-29T13:02:07.000000Z\"}", JsonOption.line(ChatFormats.eventJson(m)));
        ChatResponse p = ChatResponse.newBuilder().setPrivateMessage(
                PrivateMessage.newBuilder().setFrom("alice").setTo("bob").setText("psst").setTime(TIME)).build();
        assertEquals("{\"type\":\"private\",\"sender\":\"alice\",\"recipient\":\"bob\",\"text\":\"psst\","
                + "\"time\":\"2026-11-29T13:02:07.000000Z\"}", JsonOption.line(ChatFormats.eventJson(p)));
        for (var c : new Object[][] {
                {LeaveReason.LEAVE_REASON_LEFT, "left"},
                {LeaveReason.LEAVE_REASON_TOO_SLOW, "too_slow"},
                {LeaveReason.LEAVE_REASON_DISCONNECTED, "disconnected"},
                {LeaveReason.LEAVE_REASON_UNSPECIFIED, "disconnected"}}) {
            ChatResponse r = ChatResponse.newBuilder().setMemberLeft(
                    MemberLeft.newBuilder().setName("bob").setReason((LeaveReason) c[0]).setTime(TIME)).build();
            assertEquals(c[1], ChatFormats.eventJson(r).get("reason").getAsString());
        }
        ChatResponse n = ChatResponse.newBuilder().setNotice(Notice.newBuilder().setCode(5).setText("nobody")).build();
        assertEquals("{\"type\":\"notice\",\"status\":\"NOT_FOUND\",\"code\":5,\"message\":\"nobody\"}",
                JsonOption.line(ChatFormats.eventJson(n)));
    }

    @Test
    void jsonWelcomeHoldsItsMembersWithoutTypes() {
        Joined joined = Joined.newBuilder().setRoom("lobby").setName("bob").setMemberId("m1").setRoomEpoch("e1")
                .addMembers(Member.newBuilder().setName("bob").setJoinedAt(TIME)).build();
        assertEquals("{\"type\":\"welcome\",\"room\":\"lobby\",\"name\":\"bob\",\"member_id\":\"m1\","
                + "\"members\":[{\"name\":\"bob\",\"joined_at\":\"2026-11-29T13:02:07.000000Z\"}],"
                + "\"history_gap\":false,\"room_epoch\":\"e1\",\"last_sequence\":0}",
                JsonOption.line(ChatFormats.welcomeJson(joined)));
    }
}
