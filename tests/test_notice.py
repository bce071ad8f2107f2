"""In-band notices carry a grpclib Status both ways, whatever number a peer sends."""

from grpclib.const import Status

from tp3.chat import wire as chat_wire
from tp3.game import wire as game_wire
from tp3.generated.tp3.chat import v1 as chat_pb
from tp3.generated.tp3.game import v1 as game_pb
from tp3.notice import Notice


def test_a_notice_travels_as_its_status_and_comes_back_as_it() -> None:
    notice = Notice(Status.NOT_FOUND, "no member named 'ghost'")
    chat = chat_pb.ChatResponse().parse(bytes(chat_wire.event_to_proto(notice)))
    assert chat.notice == chat_pb.Notice(code=5, text="no member named 'ghost'")
    assert chat_wire.event_from_proto(chat) == notice
    game = game_pb.GameEvent().parse(bytes(game_wire.event_to_proto(notice)))
    assert game.notice == game_pb.Notice(code=5, text="no member named 'ghost'")
    assert game_wire.event_from_proto(game) == notice


def test_a_code_this_client_does_not_know_reads_as_unknown() -> None:
    assert Notice.from_code(99, "from the future") == Notice(Status.UNKNOWN, "from the future")
    assert Notice.from_code(8, "slow down").status is Status.RESOURCE_EXHAUSTED
