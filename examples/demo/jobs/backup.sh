#!/bin/sh
echo "Dumping the billing database..."
sleep 2
echo "Uploaded backup-$(date +%H%M%S).sql.gz to object storage"
