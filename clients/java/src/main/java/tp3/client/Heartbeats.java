package tp3.client;

import tp3.chat.v1.ChatResponse;
import tp3.game.v1.EventKind;
import tp3.game.v1.GameEvent;
import tp3.game.v1.PlayResponse;

/**
 * A server's heartbeat: sent on a quiet session so that proxies which cut idle streams leave it
 * alone (tp3 serve --heartbeat). Nothing happened; the commands never show it.
 */
final class Heartbeats {
    private Heartbeats() {}

    static boolean is(Object message) {
        if (message instanceof ChatResponse response) {
            return response.getEventCase() == ChatResponse.EventCase.HEARTBEAT;
        }
        if (message instanceof PlayResponse response) {
            return is(response.getEvent());
        }
        return message instanceof GameEvent event && event.getKind() == EventKind.EVENT_KIND_HEARTBEAT;
    }
}
