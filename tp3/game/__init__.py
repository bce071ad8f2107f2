"""The guessing game: the server draws 1..1000, players race, one winner per round.

Pure domain modules (no gRPC): `events` (what players and spectators are told), `rules`
(how a guess is judged, one round at a time), `game` (rounds in sequence, the scoreboard),
`ratelimit`, `texts` (English and French wording). `backend` holds the game behind an
interface (in memory now); `wire` maps to protobuf; `service` is the grpclib service.
"""
