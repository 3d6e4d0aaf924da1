#!/bin/sh
echo "Exporting 1,204 invoices..."
sleep 1
echo "error: could not connect to the ledger at ledger.internal:5432 (connection refused)" >&2
exit 3
