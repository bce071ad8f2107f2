"""tp3: the gRPC TP3 lab done properly — a currency converter, a chat room and a guessing game."""

__version__ = "0.1.0"
