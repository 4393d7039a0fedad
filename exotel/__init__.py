"""What the Exotel clients share: typed errors and the parsing of Exotel's numbers, times and
custom fields. Nothing here speaks HTTP (only the apps' client.py modules do)."""
