-- One answer at a time per conversation (server/src/chat/conversation.service.ts): while an
-- answer is being written, answering_until holds when it will have stopped at the latest (the
-- loop's time limit plus a margin), so a second question or a regenerate is refused with 409
-- instead of storing two answers; storing the answer clears it, and a crashed process's claim
-- expires by itself.
alter table chat_conversations add column answering_until timestamptz;
