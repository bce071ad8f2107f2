"""The lab's own contract (protos/lab: BankService, Chat, Jeu, package-less as the course's
clients call them) served on tp3's real converter, chat room and game (issue #13).

`tp3 serve` serves it beside tp3's services unless `--no-lab-compat`; README, "Bring your lab
client", says what maps to what and where tp3 differs from the original.
"""
