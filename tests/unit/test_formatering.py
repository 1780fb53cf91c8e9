from pipelines.formatering import procent, procentenheter, tal


def test_tal_uses_space_as_thousands_separator_and_decimal_comma() -> None:
    assert tal(248653, sep=" ") == "248 653"
    assert tal(10120242, sep=" ") == "10 120 242"
    assert tal(248653) == "248\u00a0653"
    assert tal(1.25, 1, sep=" ") == "1,3"  # half away from zero, not banker's rounding
    assert tal(999.96, 1, sep=" ") == "1 000,0"
    assert tal(-1234.5, 0, sep=" ") == "\u22121 235"
    assert tal(-0.01, 1) == "0,0"
    assert tal(None) == "–"
    assert tal(float("nan")) == "–"


def test_procent_formats_fractions() -> None:
    assert procent(0.214, sep=" ") == "21,4 %"
    assert procent(0.062, sep=" ") == "6,2 %"
    assert procent(0.24404, sep=" ") == "24,4 %"
    assert procent(1.0, 0, sep=" ") == "100 %"
    assert procent(None) == "–"


def test_procentenheter_has_sign() -> None:
    assert procentenheter(0.043, sep=" ") == "+4,3 procentenheter"
    assert procentenheter(-0.012, sep=" ") == "\u22121,2 procentenheter"
