#!/bin/sh
# A CGI for the lab smoke test: says what Apache handed it.
printf 'Content-Type: text/plain\r\n\r\n'
echo "method=$REQUEST_METHOD"
echo "query=$QUERY_STRING"
echo "body=$(head -c "${CONTENT_LENGTH:-0}")"
