-- gaoxin schema, version 10: an account whose password was set by an administrator
-- (`gaoxin user reset-password`) must choose a new one at its next sign-in.
-- must_change_password: 1 = every page leads to the password change page until it is changed.
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0
