-- Recorded list membership (the city's unicorn / gazelle lists: this year's flag and the year first
-- listed) and the 小巨人 qualitative items, appended to the fact table (model::FIELDS order).
ALTER TABLE facts ADD COLUMN unicorn_listed BIGINT
;;
ALTER TABLE facts ADD COLUMN unicorn_first_year BIGINT
;;
ALTER TABLE facts ADD COLUMN gazelle_listed BIGINT
;;
ALTER TABLE facts ADD COLUMN gazelle_first_year BIGINT
;;
ALTER TABLE facts ADD COLUMN it_core_business BIGINT
;;
ALTER TABLE facts ADD COLUMN niche_share_brand BIGINT
;;
ALTER TABLE facts ADD COLUMN chain_key_link BIGINT
;;
ALTER TABLE facts ADD COLUMN key_field_product BIGINT
