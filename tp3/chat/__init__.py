"""The chat room: rooms, broadcast and private messages, presence, history and resume.

Pure domain modules (no gRPC): `rules` (what names and texts may be), `events` (what members
see), `room` (one room's rules: identity, order, history, slow members), on `tp3.mailbox`
(each member's bounded event buffer). `backend` holds the rooms behind an interface (in memory now,
shared through a broker later); `wire` maps to protobuf; `service` is the grpclib service.
"""
