-- Index chunks stored compressed (docs/design/search-index.md, "Data layout").
--
-- Chunk text is compressed and kept in the row. With the default storage (EXTENDED) a
-- value is compressed only once its row passes about 2 KB, and a compressed value still
-- over 2 KB moves to the TOAST table. With MAIN, rows over about 2 KB are pglz-compressed
-- and stay in the heap unless they still do not fit a page. Together with the larger chunks
-- of indexing/chunker.ts (at most 256 lines, 16 KB) nearly all chunk text is compressed.
-- Rows written before this migration keep their format until their blob is stored again.
alter table index_chunks alter column content set storage main;
