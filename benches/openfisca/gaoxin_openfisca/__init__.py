"""A small OpenFisca country package porting a representative subset of gaoxin's rule files.

Ported: 科技型中小企业 2022 (scoring with direct routes), 高新技术企业 2016 core conditions
(R&D band by last-year revenue, tech-staff share, high-tech revenue share), 南京市瞪羚 2024
(manufacturing vs services, all-YoY-positive + CAGR) and the first-time unicorn award
(5% of the previous year's R&D, cap 2,000,000 CNY). Money is in fen, USD in cents, like the
Rust engine, so both compute on the same integers.
"""
import os

from openfisca_core.taxbenefitsystems import TaxBenefitSystem

from gaoxin_openfisca import entities, variables

HERE = os.path.dirname(os.path.abspath(__file__))


class GaoxinTaxBenefitSystem(TaxBenefitSystem):
    def __init__(self):
        super().__init__(entities.entities)
        for v in variables.ALL:
            self.add_variable(v)
        self.load_parameters(os.path.join(HERE, "parameters"))
