"""The demo's NordDRG-like catalogue: DRG groups with MDC, texts, weights, volumes and ICD-10-SE codes.

Codes follow NordDRG's shape (a three-digit group; ``N``/``C`` for without/with complicating
diagnoses in slutenvård; an ``O`` suffix for öppenvård and dagsjukvård, ``9xxO`` for specialist
visits per MDC and ``PxxO`` for primärvård). Texts, weights, lengths of stay and volumes are
plausible, not Socialstyrelsen's: see ``ASSUMPTIONS.md``. Every ICD-10-SE code lies in the
chapter of its group's MDC.

A :class:`Group` is expanded by :func:`expand` into one or two DRGs: ``par`` → ``<kod>N`` (utan
komplikationer) and ``<kod>C`` (med komplikationer; its share of the group rises with age), every
other kind → one DRG with the code as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Kind = Literal["par", "en", "dag", "besok", "pv"]

# Age profiles: (age, relative rate) knots, linearly interpolated over 0..100 and normalised so the
# population-weighted mean over Riket is 1 (see kpp.py).
PROFILES: Final[dict[str, tuple[tuple[float, float], ...]]] = {
    "alla": ((0, 1.0), (5, 0.6), (15, 0.5), (40, 0.7), (65, 1.3), (85, 2.0), (100, 2.0)),
    "aldre": ((0, 0.05), (20, 0.08), (45, 0.3), (65, 1.2), (75, 2.2), (85, 3.5), (100, 3.5)),
    "vuxen": ((0, 0.0), (15, 0.1), (20, 0.6), (45, 1.0), (70, 1.4), (85, 1.2), (100, 0.8)),
    "ung": ((0, 0.1), (8, 0.8), (15, 1.5), (25, 1.3), (40, 0.8), (70, 0.5), (100, 0.4)),
    "barn": ((0, 3.5), (2, 2.5), (6, 1.2), (15, 0.5), (30, 0.4), (65, 0.8), (85, 1.5), (100, 1.5)),
    "forloss": ((0, 0), (16, 0), (18, 0.3), (25, 1.8), (31, 2.5), (38, 1.4), (44, 0.2), (48, 0), (100, 0)),
    "nyfodd": ((0, 1.0), (0.5, 0.0), (100, 0.0)),
    "psyk": (
        (0, 0),
        (6, 0.1),
        (12, 0.6),
        (18, 1.5),
        (25, 1.8),
        (35, 1.4),
        (50, 1.0),
        (65, 0.6),
        (80, 0.4),
        (100, 0.4),
    ),
    "bup": ((0, 0), (4, 0.2), (8, 1.0), (14, 2.5), (17, 2.5), (17.5, 0), (100, 0)),
    "demens": ((0, 0), (55, 0), (65, 0.5), (80, 3.0), (90, 5.0), (100, 5.0)),
    "pv": (
        (0, 4.0),
        (1, 3.5),
        (5, 1.5),
        (10, 0.8),
        (20, 0.8),
        (40, 0.9),
        (60, 1.2),
        (75, 1.8),
        (85, 2.4),
        (100, 2.4),
    ),
    "cancer": ((0, 0.02), (30, 0.1), (50, 0.6), (65, 1.5), (75, 2.0), (85, 1.6), (100, 1.0)),
}

# Hospital mixes: shares over (SUN, PIT, GAL, KIR, KAL); primärvård goes to PV.
SITES: Final[dict[str, tuple[float, float, float, float, float]]] = {
    "alla_s": (0.52, 0.12, 0.15, 0.11, 0.10),
    "alla_o": (0.45, 0.18, 0.14, 0.12, 0.11),
    "kir_s": (0.62, 0.05, 0.15, 0.09, 0.09),
    "sun": (1.0, 0.0, 0.0, 0.0, 0.0),
    "forloss": (0.80, 0.0, 0.20, 0.0, 0.0),
    "kvinno": (0.75, 0.05, 0.20, 0.0, 0.0),
    "ort_plan": (0.35, 0.50, 0.10, 0.0, 0.05),
    "dag": (0.40, 0.25, 0.15, 0.08, 0.12),
    "ogon": (0.60, 0.30, 0.10, 0.0, 0.0),
    "onk": (0.85, 0.05, 0.10, 0.0, 0.0),
    "dialys": (0.55, 0.12, 0.15, 0.10, 0.08),
    "psyk_s": (0.75, 0.10, 0.15, 0.0, 0.0),
    "psyk_o": (0.50, 0.18, 0.14, 0.09, 0.09),
    "pv": (0.0, 0.0, 0.0, 0.0, 0.0),
}

SOMATISK: Final = "somatisk"
PSYKIATRISK: Final = "psykiatrisk"
PRIMARVARD: Final = "primarvard"


@dataclass(frozen=True)
class Group:
    kod: str
    mdc: str
    text: str
    vardtyp: str
    kind: Kind
    vikt: float  # slutenvård: weight of the N variant; öppenvård: weight before calibration
    vardtid: float  # mean length of stay (slutenvård), days
    per_1000: float  # contacts per 1 000 inhabitants and year in Riket (before calibration)
    profile: str
    kon: tuple[float, float] | None  # (kvinnor, män) rate factors; None: the vårdform's default
    spec: str  # specialty → klinik (see kpp.KLINIKER)
    site: str
    icd: tuple[str, ...]

    @property
    def vardform(self) -> str:
        return "sluten" if self.kind in ("par", "en") else "oppen"


S, P, V = SOMATISK, PSYKIATRISK, PRIMARVARD
K_ONLY, M_ONLY = (2.0, 0.0), (0.0, 2.0)

# fmt: off
GROUPS: Final[tuple[Group, ...]] = (
    # --- MDC 01 Nervsystemet
    Group("001", "01", "Kraniotomi",
          S, "en", 4.6, 9, 0.25, "vuxen", None, "kir", "sun", ("C71.9", "D32.0", "S06.50", "I62.0")),
    Group("014", "01", "Specifika cerebrovaskulära sjukdomar utom TIA",
          S, "par", 1.55, 9, 2.6, "aldre", (0.95, 1.05), "med", "alla_s",
          ("I63.9", "I63.5", "I61.9", "I63.4")),
    Group("015", "01", "TIA och precerebrala ocklusioner",
          S, "en", 0.55, 2.5, 1, "aldre", None, "med", "alla_s", ("G45.9", "G45.0", "I65.2")),
    Group("012", "01", "Degenerativa sjukdomar i nervsystemet",
          S, "en", 1.3, 7, 0.6, "aldre", None, "neuro", "alla_s", ("G20.9", "G30.1", "G35.9", "G12.2")),
    Group("025", "01", "Kramper och huvudvärk",
          S, "par", 0.6, 2.5, 1.3, "vuxen", None, "med", "alla_s", ("G40.9", "R56.8", "G43.0")),
    # --- MDC 02 Ögat
    Group("047", "02", "Andra sjukdomar i ögat",
          S, "en", 0.45, 2, 0.15, "alla", None, "ogon", "sun", ("H16.0", "H20.0", "H46.9", "H33.0")),
    # --- MDC 03 Öra, näsa, mun och hals
    Group("055", "03", "Övriga operationer på öra, näsa, mun och hals",
          S, "en", 0.8, 2, 0.5, "ung", None, "onh", "sun", ("J35.0", "J34.2", "J32.9")),
    Group("069", "03", "Otit och övre luftvägsinfektion",
          S, "par", 0.35, 2, 0.7, "barn", None, "onh", "alla_s", ("H66.9", "J03.9", "J06.9", "J36.9")),
    # --- MDC 04 Andningsorganen
    Group("075", "04", "Större bröstkorgsingrepp",
          S, "en", 3.8, 8, 0.2, "cancer", (0.9, 1.1), "kir", "sun", ("C34.1", "C34.3", "J93.1")),
    Group("082", "04", "Tumörer i andningsorganen",
          S, "par", 1.2, 6, 0.7, "cancer", (0.9, 1.1), "med", "alla_s", ("C34.9", "C34.1", "C78.0")),
    Group("078", "04", "Lungemboli", S, "en", 1, 5, 0.6, "aldre", None, "med", "alla_s", ("I26.9", "I26.0")),
    Group("088", "04", "Kroniskt obstruktiv lungsjukdom",
          S, "par", 0.9, 5, 2, "aldre", (1.1, 0.9), "med", "alla_s", ("J44.1", "J44.0", "J44.9")),
    Group("089", "04", "Pneumoni och pleurit",
          S, "par", 1, 6, 3.6, "alla", None, "med", "alla_s", ("J18.9", "J15.9", "J13.9", "J90.9")),
    Group("096", "04", "Bronkit och astma",
          S, "par", 0.6, 3, 1, "barn", None, "med", "alla_s", ("J45.9", "J20.9", "J21.9")),
    # --- MDC 05 Cirkulationsorganen
    Group("112", "05", "Perkutana kardiovaskulära ingrepp",
          S, "par", 1.6, 3, 1.8, "aldre", (0.6, 1.4), "hjarta", "sun", ("I21.4", "I20.0", "I25.1")),
    Group("116", "05", "Pacemakerimplantation",
          S, "en", 1.8, 3, 0.6, "aldre", (0.8, 1.2), "hjarta", "sun", ("I44.2", "I49.5", "I44.1")),
    Group("121", "05", "Akut hjärtinfarkt",
          S, "par", 1.2, 5, 1.5, "aldre", (0.7, 1.3), "hjarta", "alla_s", ("I21.4", "I21.9", "I21.1")),
    Group("127", "05", "Hjärtsvikt och chock",
          S, "par", 1, 6, 3, "aldre", None, "med", "alla_s", ("I50.0", "I50.1", "I50.9")),
    Group("138", "05", "Arytmier och ledningsrubbningar",
          S, "par", 0.7, 3, 3, "aldre", (0.9, 1.1), "med", "alla_s", ("I48.9", "I48.0", "I47.1", "I44.2")),
    Group("140", "05", "Angina pectoris",
          S, "en", 0.5, 2, 1, "aldre", (0.8, 1.2), "med", "alla_s", ("I20.9", "I20.8")),
    Group("143", "05", "Bröstsmärta",
          S, "en", 0.35, 1.5, 2.5, "vuxen", None, "med", "alla_s", ("R07.4", "R07.3")),
    # --- MDC 06 Matsmältningsorganen
    Group("148", "06", "Större operationer på tunn- och tjocktarm",
          S, "par", 3.2, 10, 0.9, "cancer", None, "kir", "kir_s", ("C18.7", "C20.9", "K57.2", "K56.6")),
    Group("167", "06", "Appendektomi", S, "en", 0.9, 2.5, 1, "ung", None, "kir", "kir_s", ("K35.8", "K35.3")),
    Group("174", "06", "Gastrointestinal blödning",
          S, "par", 0.9, 4, 1.5, "aldre", None, "med", "alla_s", ("K92.2", "K25.4", "K92.0")),
    Group("180", "06", "Tarmobstruktion",
          S, "par", 0.9, 5, 0.8, "aldre", None, "kir", "kir_s", ("K56.6", "K56.5")),
    Group("182", "06", "Gastroenterit, esofagit och diverse sjukdomar i matsmältningsorganen",
          S, "par", 0.55, 3, 4, "alla", None, "med", "alla_s", ("K52.9", "A09.9", "K21.0", "K29.7", "K59.0")),
    # --- MDC 07 Lever, gallvägar och bukspottkörtel
    Group("197", "07", "Kolecystektomi",
          S, "en", 1.2, 2.5, 1.2, "vuxen", (1.6, 0.4), "kir", "kir_s", ("K80.2", "K80.1", "K81.0")),
    Group("204", "07", "Sjukdomar i pankreas utom malignitet",
          S, "par", 0.9, 5, 0.8, "vuxen", None, "kir", "alla_s", ("K85.9", "K86.1")),
    Group("205", "07", "Sjukdomar i levern",
          S, "en", 1, 5, 0.5, "vuxen", (0.7, 1.3), "med", "alla_s", ("K70.3", "K74.6", "C22.0")),
    # --- MDC 08 Rörelseorganen
    Group("209", "08", "Större ledoperationer",
          S, "par", 2.3, 4, 3, "aldre", (1.2, 0.8), "ort", "ort_plan", ("M16.1", "M17.1", "M16.9", "M17.9")),
    Group("210", "08", "Höftoperationer utom större ledoperationer",
          S, "par", 2, 8, 1.7, "aldre", (1.4, 0.6), "ort", "alla_s", ("S72.00", "S72.10", "S72.20")),
    Group("236", "08", "Frakturer på höft och bäcken",
          S, "en", 0.9, 6, 0.7, "aldre", (1.5, 0.5), "ort", "alla_s", ("S32.50", "S32.10")),
    Group("243", "08", "Ryggsjukdomar",
          S, "par", 0.7, 4, 1.2, "vuxen", None, "ort", "alla_s", ("M54.5", "M51.1", "M48.0")),
    Group("247", "08", "Tecken och symtom från muskuloskeletala systemet",
          S, "en", 0.5, 3, 0.8, "vuxen", None, "med", "alla_s", ("M79.6", "M25.5")),
    # --- MDC 09 Hud, underhud och bröst
    Group("257", "09", "Mastektomi vid malign sjukdom",
          S, "en", 1.4, 2.5, 0.5, "cancer", K_ONLY, "kir", "sun", ("C50.9", "C50.4")),
    Group("277", "09", "Cellulit", S, "par", 0.7, 5, 0.8, "aldre", None, "med", "alla_s", ("L03.1", "L03.9")),
    # --- MDC 10 Endokrina organ, nutrition och ämnesomsättning
    Group("290", "10", "Tyreoideaoperationer",
          S, "en", 1.1, 2, 0.3, "vuxen", (1.6, 0.4), "kir", "sun", ("E04.2", "E05.0")),
    Group("294", "10", "Diabetes",
          S, "par", 0.65, 4, 0.8, "alla", None, "med", "alla_s", ("E11.9", "E10.1", "E11.6")),
    Group("296", "10", "Nutritions- och metabola sjukdomar",
          S, "par", 0.6, 4, 1.2, "aldre", None, "med", "alla_s", ("E86.9", "E87.1", "E43.9")),
    # --- MDC 11 Njurar och urinvägar
    Group("311", "11", "Transuretrala ingrepp",
          S, "en", 0.8, 2, 0.6, "aldre", (0.4, 1.6), "uro", "sun", ("C67.9", "D41.4")),
    Group("316", "11", "Njursvikt", S, "en", 1, 6, 0.6, "aldre", None, "med", "alla_s", ("N17.9", "N18.5")),
    Group("320", "11", "Njur- och urinvägsinfektioner",
          S, "par", 0.65, 4, 2, "aldre", (1.3, 0.7), "med", "alla_s", ("N39.0", "N10.9")),
    # --- MDC 12 Manliga könsorgan
    Group("334", "12", "Radikal prostatektomi",
          S, "en", 2, 3, 0.3, "cancer", M_ONLY, "uro", "sun", ("C61.9",)),
    Group("336", "12", "Transuretral prostatektomi",
          S, "par", 0.9, 2.5, 0.5, "aldre", M_ONLY, "uro", "sun", ("N40.9", "N40.1")),
    Group("346", "12", "Maligna sjukdomar i manliga könsorgan",
          S, "en", 0.9, 4, 0.4, "cancer", M_ONLY, "uro", "alla_s", ("C61.9", "C62.9")),
    # --- MDC 13 Kvinnliga könsorgan
    Group("358", "13", "Ingrepp på uterus och adnexa, ej malignitet",
          S, "par", 1.1, 2.5, 1, "vuxen", K_ONLY, "kvinno", "kvinno", ("D25.9", "N83.2", "N81.2")),
    Group("354", "13", "Ingrepp på uterus och adnexa vid malignitet",
          S, "en", 2, 5, 0.3, "cancer", K_ONLY, "kvinno", "sun", ("C54.1", "C56.9")),
    Group("369", "13", "Menstruationsrubbningar och andra sjukdomar i kvinnliga könsorgan",
          S, "en", 0.4, 1.5, 0.5, "vuxen", K_ONLY, "kvinno", "kvinno", ("N92.0", "N94.6")),
    # --- MDC 14 Graviditet, förlossning och barnsängstid
    Group("370", "14", "Kejsarsnitt",
          S, "par", 1.3, 3.5, 1.9, "forloss", K_ONLY, "kvinno", "forloss", ("O82.1", "O34.2", "O32.1")),
    Group("373", "14", "Vaginal förlossning",
          S, "par", 0.55, 2, 8.5, "forloss", K_ONLY, "kvinno", "forloss", ("O80.0", "O70.1", "O80.9")),
    Group("379", "14", "Hotande förtidsbörd och annan vård före förlossning",
          S, "en", 0.5, 3, 1.5, "forloss", K_ONLY, "kvinno", "forloss", ("O47.0", "O60.0", "O26.8")),
    # --- MDC 15 Nyfödda
    Group("629", "15", "Nyfödd, födelsevikt över 2 499 g, normal nyfödd",
          S, "en", 0.3, 2, 10.5, "nyfodd", None, "barn", "forloss", ("Z38.0",)),
    Group("390", "15", "Nyfödd med andra betydande problem",
          S, "en", 1.2, 6, 0.8, "nyfodd", None, "barn", "sun", ("P07.3", "P22.1", "P59.9")),
    # --- MDC 16 Blod och immunsystem
    Group("395", "16", "Sjukdomar i röda blodkroppar",
          S, "par", 0.6, 3, 0.8, "aldre", None, "med", "alla_s", ("D50.9", "D64.9", "D51.0")),
    # --- MDC 17 Myeloproliferativa sjukdomar och dåligt differentierade tumörer
    Group("403", "17", "Lymfom och icke-akut leukemi",
          S, "par", 1.6, 7, 0.4, "cancer", None, "onk", "onk", ("C83.3", "C91.1", "C90.0")),
    Group("410", "17", "Cytostatikabehandling",
          S, "en", 0.5, 1, 0.6, "cancer", None, "onk", "onk", ("Z51.1",)),
    # --- MDC 18 Infektioner
    Group("416", "18", "Sepsis",
          S, "par", 1.3, 7, 1, "aldre", None, "inf", "alla_s", ("A41.9", "A41.5", "A40.3")),
    Group("421", "18", "Virussjukdomar",
          S, "en", 0.6, 3, 0.5, "alla", None, "inf", "alla_s", ("B34.9", "B02.9", "B27.9")),
    # --- MDC 21 Skador och förgiftningar
    Group("449", "21", "Förgiftningar och toxiska effekter av läkemedel",
          S, "par", 0.5, 2, 1, "psyk", None, "med", "alla_s", ("T42.4", "T51.0", "T39.1")),
    Group("452", "21", "Komplikationer av behandling",
          S, "par", 0.8, 5, 0.6, "aldre", None, "kir", "alla_s", ("T81.4", "T84.5")),
    Group("455", "21", "Multipla och ospecificerade skador",
          S, "en", 0.4, 2, 1.5, "alla", (0.8, 1.2), "kir", "alla_s", ("T14.0", "T14.1", "T79.3")),
    # --- MDC 23 Faktorer av betydelse för hälsotillståndet
    Group("462", "23", "Rehabilitering",
          S, "en", 1.8, 15, 0.4, "aldre", None, "rehab", "sun", ("Z50.8", "Z50.9")),
    Group("464", "23", "Tecken och symtom",
          S, "par", 0.5, 2.5, 2, "alla", None, "med", "alla_s", ("R10.4", "R53.9", "R68.8")),
    Group("467", "23", "Andra faktorer av betydelse för hälsotillståndet",
          S, "en", 0.35, 1.5, 0.8, "alla", None, "med", "alla_s", ("Z03.9", "Z04.8")),
    # --- Psykiatrisk slutenvård (MDC 19 Psykiska sjukdomar, MDC 20 Missbruk)
    Group("430", "19", "Psykoser",
          P, "en", 2.8, 20, 1.6, "psyk", (0.8, 1.2), "psyk", "psyk_s", ("F20.0", "F25.1", "F23.9", "F29.9")),
    Group("426", "19", "Förstämningssyndrom",
          P, "en", 2, 14, 2, "psyk", (1.3, 0.7), "psyk", "psyk_s", ("F32.2", "F33.1", "F31.4")),
    Group("427", "19", "Ångest- och stressrelaterade syndrom",
          P, "en", 1.2, 8, 1.2, "psyk", (1.3, 0.7), "psyk", "psyk_s", ("F41.1", "F43.1", "F43.2")),
    Group("428", "19", "Personlighetsstörningar",
          P, "en", 1.4, 9, 0.6, "psyk", (1.6, 0.4), "psyk", "psyk_s", ("F60.3", "F60.2")),
    Group("429", "19", "Organiskt betingade psykiska störningar",
          P, "en", 2.2, 16, 0.5, "demens", None, "psyk", "psyk_s", ("F05.1", "F03.9", "F06.2")),
    Group("431", "19", "Barn- och ungdomspsykiatriska tillstånd",
          P, "en", 2.4, 12, 0.5, "bup", (1.3, 0.7), "bup", "sun", ("F90.0", "F84.0", "F50.0")),
    Group("436", "20", "Alkoholberoende och avgiftning",
          P, "en", 1, 6, 1.2, "vuxen", (0.4, 1.6), "psyk", "psyk_s", ("F10.3", "F10.2", "F10.0")),
    Group("438", "20", "Narkotikaberoende",
          P, "en", 1.3, 8, 0.6, "psyk", (0.5, 1.5), "psyk", "psyk_s", ("F11.2", "F19.2", "F15.2")),
    # --- Psykiatrisk öppenvård
    Group("430O", "19", "Psykoser, öppenvård",
          P, "besok", 0.06, 0, 45, "psyk", (0.8, 1.2), "psyk", "psyk_o", ("F20.0", "F25.1", "F29.9")),
    Group("426O", "19", "Förstämningssyndrom, öppenvård",
          P, "besok", 0.05, 0, 110, "psyk", (1.4, 0.6), "psyk", "psyk_o", ("F32.1", "F33.1", "F31.3")),
    Group("427O", "19", "Ångest- och stressrelaterade syndrom, öppenvård",
          P, "besok", 0.045, 0, 100, "psyk", (1.4, 0.6), "psyk", "psyk_o", ("F41.1", "F43.1", "F41.0")),
    Group("428O", "19", "Personlighetsstörningar, öppenvård",
          P, "besok", 0.05, 0, 40, "psyk", (1.6, 0.4), "psyk", "psyk_o", ("F60.3", "F60.2")),
    Group("431O", "19", "Barn- och ungdomspsykiatri, öppenvård",
          P, "besok", 0.05, 0, 120, "bup", (0.9, 1.1), "bup", "psyk_o", ("F90.0", "F84.0", "F93.8", "F50.0")),
    Group("436O", "20", "Beroendetillstånd, öppenvård",
          P, "besok", 0.04, 0, 50, "vuxen", (0.4, 1.6), "psyk", "psyk_o", ("F10.2", "F11.2", "F12.2")),
    Group("919O", "19", "Psykiatri, besök hos annan personalkategori än läkare",
          P, "besok", 0.03, 0, 90, "psyk", (1.3, 0.7), "psyk", "psyk_o", ("F43.2", "F32.9", "F41.9")),
    # --- Somatisk öppenvård: läkarbesök per MDC
    Group("901O", "01", "Nervsystemets sjukdomar, läkarbesök",
          S, "besok", 0.045, 0, 90, "vuxen", None, "neuro", "alla_o", ("G40.9", "G35.9", "G43.9", "G20.9")),
    Group("902O", "02", "Ögonsjukdomar, läkarbesök",
          S, "besok", 0.035, 0, 180, "aldre", None, "ogon", "ogon", ("H40.1", "H35.3", "H36.0", "H10.9")),
    Group("903O", "03", "Öron-, näs- och halssjukdomar, läkarbesök",
          S, "besok", 0.035, 0, 110, "alla", None, "onh", "alla_o", ("H61.2", "J32.9", "H90.3", "H81.1")),
    Group("904O", "04", "Andningsorganens sjukdomar, läkarbesök",
          S, "besok", 0.04, 0, 90, "aldre", None, "med", "alla_o", ("J44.9", "J45.9", "C34.9")),
    Group("905O", "05", "Cirkulationsorganens sjukdomar, läkarbesök",
          S, "besok", 0.045, 0, 200, "aldre", (0.85, 1.15), "hjarta", "alla_o",
          ("I48.9", "I50.9", "I25.1", "I10.9")),
    Group("906O", "06", "Matsmältningsorganens sjukdomar, läkarbesök",
          S, "besok", 0.04, 0, 120, "vuxen", None, "kir", "alla_o", ("K50.9", "K51.9", "K58.9", "K21.9")),
    Group("908O", "08", "Rörelseorganens sjukdomar, läkarbesök",
          S, "besok", 0.04, 0, 260, "vuxen", None, "ort", "alla_o", ("M17.1", "M16.1", "S82.60", "M75.1")),
    Group("909O", "09", "Hud- och bröstsjukdomar, läkarbesök",
          S, "besok", 0.03, 0, 120, "alla", None, "hud", "alla_o", ("L40.0", "L20.9", "C44.3", "D22.5")),
    Group("910O", "10", "Endokrina sjukdomar, läkarbesök",
          S, "besok", 0.04, 0, 100, "vuxen", None, "med", "alla_o", ("E10.9", "E11.9", "E05.0")),
    Group("911O", "11", "Njur- och urinvägssjukdomar, läkarbesök",
          S, "besok", 0.04, 0, 60, "aldre", None, "uro", "alla_o", ("N18.4", "N20.0", "N39.0")),
    Group("912O", "12", "Manliga könsorganens sjukdomar, läkarbesök",
          S, "besok", 0.04, 0, 50, "aldre", M_ONLY, "uro", "alla_o", ("N40.9", "C61.9")),
    Group("913O", "13", "Kvinnliga könsorganens sjukdomar, läkarbesök",
          S, "besok", 0.035, 0, 130, "vuxen", K_ONLY, "kvinno", "kvinno", ("N92.0", "N95.1", "D25.9")),
    Group("914O", "14", "Specialistmödravård, besök",
          S, "besok", 0.035, 0, 160, "forloss", K_ONLY, "kvinno", "forloss", ("O26.8", "O24.4", "O99.2")),
    Group("916O", "16", "Blodsjukdomar, läkarbesök",
          S, "besok", 0.04, 0, 30, "aldre", None, "med", "alla_o", ("D50.9", "D69.6")),
    Group("917O", "17", "Lymfom, myelom och leukemi, läkarbesök",
          S, "besok", 0.05, 0, 40, "cancer", None, "onk", "onk", ("C83.3", "C90.0", "C91.1", "C80.9")),
    Group("918O", "18", "Infektionssjukdomar, läkarbesök",
          S, "besok", 0.04, 0, 40, "vuxen", None, "inf", "alla_o", ("A46.9", "B02.9", "A69.2")),
    Group("921O", "21", "Skador och förgiftningar, besök",
          S, "besok", 0.035, 0, 200, "ung", (0.8, 1.2), "kir", "alla_o", ("T14.0", "T14.1", "T78.4")),
    Group("923O", "23", "Kontroller och uppföljning, läkarbesök",
          S, "besok", 0.03, 0, 250, "alla", None, "med", "alla_o", ("Z09.8", "Z01.8", "Z03.9")),
    Group("981O", "23", "Sjuksköterskebesök, omläggning och behandling",
          S, "besok", 0.018, 0, 380, "aldre", None, "kir", "alla_o", ("Z48.0", "Z48.8", "Z09.8")),
    # --- Somatisk dagsjukvård
    Group("039O", "02", "Linsoperationer, dagkirurgi",
          S, "dag", 0.17, 0, 12, "aldre", None, "ogon", "ogon", ("H25.1", "H25.9", "H26.9")),
    Group("119O", "05", "Venoperationer, dagkirurgi",
          S, "dag", 0.25, 0, 1, "vuxen", (1.5, 0.5), "kir", "dag", ("I83.9",)),
    Group("162O", "06", "Ljumsk- och lårbråcksoperationer, dagkirurgi",
          S, "dag", 0.3, 0, 2, "vuxen", (0.3, 1.7), "kir", "dag", ("K40.9", "K41.9")),
    Group("179O", "06", "Gastroskopi och koloskopi, dagsjukvård",
          S, "dag", 0.12, 0, 6, "aldre", None, "kir", "dag", ("K57.3", "K63.5", "K29.7", "D12.6")),
    Group("222O", "08", "Knäoperationer, dagkirurgi",
          S, "dag", 0.35, 0, 1.5, "ung", (0.8, 1.2), "ort", "dag", ("S83.2", "M23.2", "M23.3")),
    Group("226O", "08", "Mjukdelsoperationer, dagkirurgi",
          S, "dag", 0.3, 0, 1, "vuxen", None, "ort", "dag", ("M72.0", "M65.3")),
    Group("270O", "09", "Operationer på hud och underhud, dagkirurgi",
          S, "dag", 0.2, 0, 2, "aldre", None, "hud", "dag", ("D22.5", "L72.1", "C44.3")),
    Group("317O", "11", "Dialys",
          S, "dag", 0.15, 0, 8, "aldre", (0.7, 1.3), "med", "dialys", ("Z49.1", "N18.5")),
    Group("381O", "14", "Abort, dagsjukvård",
          S, "dag", 0.25, 0, 1, "forloss", K_ONLY, "kvinno", "kvinno", ("O04.9", "O02.1")),
    Group("409O", "17", "Strålbehandling", S, "dag", 0.1, 0, 8, "cancer", None, "onk", "sun", ("Z51.0",)),
    Group("410O", "17", "Cytostatikabehandling, dagsjukvård",
          S, "dag", 0.2, 0, 6, "cancer", None, "onk", "onk", ("Z51.1",)),
    # --- Primärvård
    Group("P01O", "01", "Primärvård, nervsystemets sjukdomar",
          V, "pv", 0.02, 0, 150, "vuxen", None, "pv", "pv", ("G43.9", "G47.0", "G56.0")),
    Group("P02O", "02", "Primärvård, ögonsjukdomar",
          V, "pv", 0.018, 0, 60, "alla", None, "pv", "pv", ("H10.9", "H00.0")),
    Group("P03O", "03", "Primärvård, öron-, näs- och halssjukdomar",
          V, "pv", 0.018, 0, 300, "barn", None, "pv", "pv", ("H66.9", "J02.9", "H61.2", "J06.9")),
    Group("P04O", "04", "Primärvård, andningsorganens sjukdomar",
          V, "pv", 0.02, 0, 350, "alla", None, "pv", "pv", ("J20.9", "J45.9", "J44.9", "J18.9")),
    Group("P05O", "05", "Primärvård, cirkulationsorganens sjukdomar",
          V, "pv", 0.022, 0, 500, "aldre", None, "pv", "pv", ("I10.9", "I48.9", "I50.9")),
    Group("P06O", "06", "Primärvård, matsmältningsorganens sjukdomar",
          V, "pv", 0.018, 0, 200, "alla", None, "pv", "pv", ("K59.0", "K21.9", "K52.9")),
    Group("P08O", "08", "Primärvård, rörelseorganens sjukdomar",
          V, "pv", 0.02, 0, 650, "vuxen", None, "pv", "pv", ("M54.5", "M25.5", "M17.9", "M79.1")),
    Group("P09O", "09", "Primärvård, hudsjukdomar",
          V, "pv", 0.016, 0, 250, "alla", None, "pv", "pv", ("L30.9", "L20.9", "L02.4")),
    Group("P10O", "10", "Primärvård, endokrina sjukdomar",
          V, "pv", 0.02, 0, 300, "aldre", None, "pv", "pv", ("E11.9", "E03.9", "E78.0")),
    Group("P11O", "11", "Primärvård, urinvägssjukdomar",
          V, "pv", 0.017, 0, 150, "alla", (1.5, 0.5), "pv", "pv", ("N39.0", "N30.0")),
    Group("P18O", "18", "Primärvård, infektionssjukdomar",
          V, "pv", 0.016, 0, 150, "alla", None, "pv", "pv", ("B34.9", "A49.9", "B27.9")),
    Group("P19O", "19", "Primärvård, psykisk ohälsa",
          V, "pv", 0.025, 0, 350, "psyk", (1.5, 0.5), "pv", "pv", ("F32.9", "F41.1", "F43.8", "F51.0")),
    Group("P21O", "21", "Primärvård, skador",
          V, "pv", 0.018, 0, 200, "ung", None, "pv", "pv", ("T14.0", "T14.1")),
    Group("P23O", "23", "Primärvård, hälsokontroller, barnhälsovård och receptförnyelse",
          V, "pv", 0.015, 0, 700, "pv", None, "pv", "pv", ("Z00.1", "Z00.0", "Z76.0", "Z23.0")),
)
# fmt: on

# Weight and length-of-stay multipliers for the "med komplikationer" (C) variant of a pair.
C_VIKT: Final = 1.65
C_VARDTID: Final = 1.5


@dataclass(frozen=True)
class Drg:
    kod: str
    text: str
    mdc: str
    vardtyp: str
    vardform: str
    vikt: float
    vardtid: float
    group: Group
    variant: Literal["", "N", "C"]


def expand(groups: tuple[Group, ...] = GROUPS) -> list[Drg]:
    """One DRG per group, or two (N and C) for a ``par`` group, in catalogue order."""
    out: list[Drg] = []
    for g in groups:
        if g.kind == "par":
            out.append(
                Drg(
                    g.kod + "N",
                    f"{g.text} utan komplikationer",
                    g.mdc,
                    g.vardtyp,
                    "sluten",
                    g.vikt,
                    g.vardtid,
                    g,
                    "N",
                )
            )
            out.append(
                Drg(
                    g.kod + "C",
                    f"{g.text} med komplikationer",
                    g.mdc,
                    g.vardtyp,
                    "sluten",
                    round(g.vikt * C_VIKT, 3),
                    g.vardtid * C_VARDTID,
                    g,
                    "C",
                )
            )
        else:
            out.append(Drg(g.kod, g.text, g.mdc, g.vardtyp, g.vardform, g.vikt, g.vardtid, g, ""))
    return out
