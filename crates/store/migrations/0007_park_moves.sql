-- Audited moves of a firm from one park to another: only a zone administrator may move a firm
-- (`gaoxin move-park`, or a zone administrator's import that names another park, which says so in
-- its report). One row per move: who, when (unix seconds), from, to, why.
CREATE TABLE park_moves (
    uscc TEXT NOT NULL,
    moved_at BIGINT NOT NULL,
    from_park TEXT NOT NULL,
    to_park TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL
)
;;
CREATE INDEX park_moves_uscc ON park_moves (uscc)
