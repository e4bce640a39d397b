"""One entity: the enterprise (a person-like entity; no groups are needed)."""
from openfisca_core.entities import build_entity

Enterprise = build_entity(
    key="enterprise",
    plural="enterprises",
    label="企业",
    doc="An enterprise of the zone, one row per firm.",
    is_person=True,
)

entities = [Enterprise]
