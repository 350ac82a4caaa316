"""Money and tax on an invoice: amounts and quantities read from text, each line's rate (and
the rule behind it) and tax, exempt lines, and the invoice's totals.

Money rules (all Decimal, never float):
- a line's amount (金额, excluding VAT) = quantity × unit price, rounded to the cent;
- its tax (税额) = amount × rate, rounded to the cent;
- both with ROUND_HALF_UP (0.005 → 0.01), per line; an invoice's totals are the sums of the
  rounded line figures, so what is printed on each line adds up to the totals exactly;
- an exempt line (免税) has rate 0 and tax 0, and is marked exempt: it is not a zero-rated line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from onestop_common.decimals import parse_decimal
from onestop_common.errors import InvalidInput, RuleViolation, violation
from svc_invoice.domain.rule_data import Rule, RuleBook
from svc_invoice.domain.terms import CENT, InvoiceKind, VatStatus

# Quantities and unit prices: OneStop accepts up to 8 decimal places and values below 10^12.
MAX_PLACES_QUANTITY = 8
MAX_VALUE = Decimal(10) ** 12


# --------------------------------------------------------------------------- parsing input


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def parse_money(
    text: str,
    field: str,
    found: list[RuleViolation],
    *,
    ceiling: Decimal | None = None,
    allow_zero: bool = False,
) -> Decimal | None:
    """A positive (or, with ``allow_zero``, non-negative) amount of at most two decimals and at
    most ``ceiling``, or a violation."""
    value = parse_decimal(text)
    if value is None:
        found.append(
            violation(field, "decimal", f"“{text}”不是有效金额", f"'{text}' is not an amount")
        )
        return None
    if value < 0 or (value == 0 and not allow_zero):
        found.append(
            violation(
                field,
                "not_negative" if allow_zero else "positive",
                "金额不能为负数" if allow_zero else "金额必须大于零",
                "the amount may not be negative"
                if allow_zero
                else "the amount must be greater than zero",
            )
        )
        return None
    if _places(value) > 2:
        found.append(
            violation(field, "cents", "金额最多保留两位小数", "at most two decimal places")
        )
        return None
    if ceiling is not None and value > ceiling:
        found.append(
            violation(
                field,
                "maximum",
                f"金额不得超过 {ceiling}",
                f"the amount may not exceed {ceiling}",
            )
        )
        return None
    return value


def check_quantity(
    value: int, field: str, found: list[RuleViolation], *, ceiling: int
) -> int | None:
    if value <= 0:
        found.append(
            violation(field, "positive", "份数必须大于零", "the quantity must be greater than zero")
        )
        return None
    if value > ceiling:
        found.append(
            violation(
                field,
                "maximum",
                f"每月份数不得超过 {ceiling}",
                f"the monthly quantity may not exceed {ceiling}",
            )
        )
        return None
    return value


# --------------------------------------------------------------------------- tax per line


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: str
    unit_price: str
    tax_rate: str = ""
    vat_exempt: bool = False


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    tax_rate: Decimal
    tax: Decimal
    # 免税: rate and tax 0, printed as exempt (not the zero rate).
    vat_exempt: bool = False
    # On a red-letter line: the number (1-based, 序号) of the blue invoice's line it reverses.
    reverses_line: int = 0

    def negated(self, line_number: int = 0) -> Line:
        """The red-letter line reversing all of this one: the same figures with the sign turned,
        nothing recomputed."""
        return Line(
            self.description,
            negative(self.quantity),
            self.unit_price,
            negative(self.amount),
            self.tax_rate,
            negative(self.tax),
            self.vat_exempt,
            line_number,
        )


def negative(value: Decimal) -> Decimal:
    """The value with its sign turned; zero stays "0.00", never "-0.00"."""
    return Decimal(0) - value


def round_cent(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def compute_line(
    description: str,
    quantity: Decimal,
    unit_price: Decimal,
    rate: Decimal,
    *,
    vat_exempt: bool = False,
) -> Line:
    amount = round_cent(quantity * unit_price)
    tax = Decimal("0.00") if vat_exempt else round_cent(amount * rate)
    return Line(description, quantity, unit_price, amount, rate, tax, vat_exempt)


@dataclass(frozen=True)
class Totals:
    amount: Decimal
    tax: Decimal

    @property
    def with_tax(self) -> Decimal:
        return self.amount + self.tax


def totals(lines: Iterable[Line]) -> Totals:
    items = list(lines)
    return Totals(
        sum((line.amount for line in items), Decimal("0.00")),
        sum((line.tax for line in items), Decimal("0.00")),
    )


def line_rate(
    status: VatStatus,
    requested: str,
    day: date,
    book: RuleBook,
    field: str,
    *,
    vat_exempt: bool = False,
) -> tuple[Decimal | None, Rule | None, list[RuleViolation]]:
    """The rate for one line and the rule behind it.

    Small-scale: the levy rate in force (1% or 3%), or 5% (levy_rate_5). General: 13% by
    default, or 9%, 6%, 5% (simple method) or 0 (zero_rate) named per line. Either may mark a
    line exempt (vat_exempt) instead of naming a rate. Rates come only from rows the rule data
    has and that are in force on ``day``."""
    if vat_exempt:
        exempt = book.in_force("vat_exempt", day)
        if exempt is None:
            return None, None, [_no_exemption(field)]
        if requested.strip():
            return (
                None,
                None,
                [
                    violation(
                        field,
                        "exempt_line_has_no_rate",
                        "免税项目不填税率（税率栏显示“免税”）",
                        "an exempt line takes no tax rate (it is printed as exempt)",
                    )
                ],
            )
        return Decimal("0"), exempt, []
    extra = book.extra_rates(status, day)
    if status is VatStatus.SMALL_SCALE:
        rate, rule = book.small_scale_rate(day)
        if not requested.strip():
            return rate, rule, []
        asked = parse_decimal(requested)
        if asked is not None and asked == rate:
            return rate, rule, []
        if asked is not None and asked in extra:
            return asked, extra[asked], []
        allowed = "、".join(format(r, "f") for r in sorted({rate, *extra}, reverse=True))
        return (
            None,
            None,
            [
                violation(
                    field,
                    "small_scale_rate",
                    f"小规模纳税人按征收率 {allowed} 开票，不能指定税率 {requested}",
                    f"a small-scale taxpayer invoices at the levy rate {allowed}; "
                    f"{requested} cannot be chosen",
                )
            ],
        )
    if not requested.strip():
        rate, rule = book.default_general_rate(day)
        return rate, rule, []
    allowed_rates = {**book.general_rates(day), **extra}
    asked = parse_decimal(requested)
    if asked is None or asked not in allowed_rates:
        names = "、".join(format(r, "f") for r in sorted(allowed_rates, reverse=True))
        return (
            None,
            None,
            [
                violation(
                    field,
                    "general_rate",
                    f"税率“{requested}”无效，一般纳税人可用税率为 {names}（小数形式）",
                    f"'{requested}' is not a general-taxpayer rate; use one of {names} "
                    "(as a fraction)",
                )
            ],
        )
    return asked, allowed_rates[asked], []


def _no_exemption(field: str) -> RuleViolation:
    return violation(
        field.rsplit(".", 1)[0] + ".vat_exempt",
        "vat_exempt",
        "规则数据中没有适用的免税规定",
        "the rule data has no VAT exemption in force",
    )


def exempt_violations(kind: InvoiceKind, lines: Sequence[Line]) -> list[RuleViolation]:
    """Exempt lines cannot go on a special VAT invoice (vat_exempt_no_special_invoice)."""
    if kind is not InvoiceKind.DIGITAL_SPECIAL:
        return []
    return [
        violation(
            f"lines[{i}].vat_exempt",
            "vat_exempt_no_special_invoice",
            "销售免税项目不得开具增值税专用发票，请开具普通发票",
            "an exempt sale cannot go on a special VAT invoice: issue an ordinary invoice",
        )
        for i, line in enumerate(lines)
        if line.vat_exempt
    ]


def price_lines(
    lines: Sequence[LineInput], status: VatStatus, day: date, book: RuleBook
) -> tuple[tuple[Line, ...], tuple[Rule, ...]]:
    """Checks and prices the lines; InvalidInput names every bad line field."""
    found: list[RuleViolation] = []
    if not lines:
        found.append(
            violation("lines", "required", "发票至少需要一行项目", "an invoice needs a line")
        )
    if len(lines) > book.policy.max_lines_per_invoice:
        found.append(
            violation(
                "lines",
                "maximum",
                f"每张发票最多 {book.policy.max_lines_per_invoice} 行",
                f"at most {book.policy.max_lines_per_invoice} lines per invoice",
            )
        )
    priced: list[Line] = []
    rules: dict[str, Rule] = {}
    for i, item in enumerate(lines):
        where = f"lines[{i}]"
        if not item.description.strip():
            found.append(
                violation(
                    f"{where}.description",
                    "required",
                    "项目名称必填",
                    "the description is required",
                )
            )
        quantity = _positive(item.quantity, f"{where}.quantity", found)
        price = _positive(item.unit_price, f"{where}.unit_price", found)
        rate, rule, problems = line_rate(
            status, item.tax_rate, day, book, f"{where}.tax_rate", vat_exempt=item.vat_exempt
        )
        found += problems
        if quantity is None or price is None or rate is None or rule is None:
            continue
        line = compute_line(
            item.description.strip(), quantity, price, rate, vat_exempt=item.vat_exempt
        )
        if line.amount <= 0:
            found.append(
                violation(
                    f"{where}.unit_price",
                    "amount_rounds_to_zero",
                    "数量×单价四舍五入到分后为零",
                    "quantity × unit price rounds to zero cents",
                )
            )
            continue
        priced.append(line)
        rules[rule.name] = rule
    if found:
        raise InvalidInput.of(found)
    return tuple(priced), tuple(rules.values())


def _positive(text: str, field: str, found: list[RuleViolation]) -> Decimal | None:
    value = parse_decimal(text)
    if value is None:
        found.append(
            violation(field, "decimal", f"“{text}”不是有效数值", f"'{text}' is not a number")
        )
        return None
    if value <= 0:
        found.append(violation(field, "positive", "必须大于零", "must be greater than zero"))
        return None
    if _places(value) > MAX_PLACES_QUANTITY or value >= MAX_VALUE:
        found.append(
            violation(
                field,
                "precision",
                f"最多 {MAX_PLACES_QUANTITY} 位小数且小于 10^12",
                f"at most {MAX_PLACES_QUANTITY} decimal places and below 10^12",
            )
        )
        return None
    return value
