"""`kiosk receipt …`: see kiosk.receipt.cli."""

from kiosk.receipt.cli import Receipt

add_arguments = Receipt.add_arguments
run = Receipt.run
