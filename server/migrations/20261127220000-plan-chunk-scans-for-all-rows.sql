-- The chunk-scan cursor is planned as if it will be read to the end. By default a cursor is
-- planned for its first 10% (cursor_tuple_fraction), which favours a sequential scan that stops
-- early: right when matches are spread evenly, badly wrong when they are rare and clustered.
-- After ANALYZE, "export default function" on the benchmark corpus (374 of 88k chunks, most
-- of them late in the heap) was read by a sequential scan that rechecked 17.8k chunks (235 ms
-- for its first 32 matches) instead of the trigram bitmap (about 110 ms).
alter function ctxpipe_open_chunk_scan(text, text, text[], integer) set cursor_tuple_fraction = 1;
