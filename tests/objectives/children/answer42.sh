#!/bin/sh
# A minimal exec child in plain sh: answers every job with loss 42, taking the id from the line.
while IFS= read -r line; do
  id=$(printf '%s\n' "$line" | sed 's/.*"id":"\([^"]*\)".*/\1/')
  printf '{"id": "%s", "loss": 42}\n' "$id"
done
