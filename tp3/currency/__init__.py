"""The currency converter: exact decimal money on EUR-based reference rates.

Pure domain modules (no gRPC): `money` (parsing, rounding), `iso4217` (names, minor units),
`rates` (rate tables and their loading), `converter` (conversions and batches), `market`
(simulated quotes), `models` (the result types). `wire` maps them to and from the generated
protobuf messages; `service` is the thin grpclib service on top.
"""
