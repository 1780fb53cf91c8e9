-- core_ref__diagnoskapitel: ICD-10-SE chapters (huvuddiagnoskapitel) with code ranges and Swedish names.
-- Grain: kapitel (roman numeral I–XXII). Loaded from pipelines/reference.py; the macro
-- icd10_kapitel(kod) (pipelines/warehouse.py) maps a diagnosis code to its chapter.
SELECT kapitel, kodintervall, kapitel_namn FROM ref_diagnoskapitel
