"""The chat room: rooms, broadcast and private messages, presence, history and resume.

Pure domain modules (no gRPC): `rules` (what names and texts may be), `events` (what members
see), `history` (numbering and what a resume replays), `room` (one room's decisions:
identity, order, who gets what). `backend` is the interface the service talks to, with the
in-memory implementation; `redis_backend` shares rooms between replicas; both hand events to
their members' `tp3.mailbox` through `delivery`. `wire` maps to protobuf; `service` is the
grpclib service.
"""
