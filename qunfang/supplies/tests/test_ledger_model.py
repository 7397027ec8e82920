"""Stock cannot go negative, whatever order things happen in: a seeded random run of
donations, hand-outs, transfers and receipts against a plain Python model of the stock. Every
operation the model says is affordable succeeds; every other one is refused with nothing
written; and after each step the ledger's balances equal the model's."""

import random
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum

from qunfang.supplies import services
from qunfang.supplies.models import Movement, MovementLine, StockEntry
from qunfang.supplies.tests.conftest import days_ago, donate, line


def ledger_balances() -> dict[tuple[int, int], Decimal]:
    rows = StockEntry.objects.values("depot", "item").annotate(total=Sum("quantity"))
    return {(r["depot"], r["item"]): r["total"] for r in rows if r["total"]}


def rows_written() -> list[int]:
    return [model.objects.count() for model in (Movement, MovementLine, StockEntry)]


def test_random_operations_never_take_stock_below_zero(cast, items, depots):
    rng = random.Random(2020)
    places = [depots.district, depots.town, depots.village, depots.sibling]
    goods = [items.mask, items.disinfectant]
    model: dict[tuple[int, int], Decimal] = {}
    on_road: list[Movement] = []
    refused = accepted = 0

    def have(depot, item) -> Decimal:
        return model.get((depot.pk, item.pk), Decimal(0))

    def add(depot, item, quantity) -> None:
        model[(depot.pk, item.pk)] = have(depot, item) + quantity
        if not model[(depot.pk, item.pk)]:
            del model[(depot.pk, item.pk)]

    for _step in range(120):
        action = rng.choice(["donate", "hand_out", "hand_out", "send", "receive"])
        depot, item = rng.choice(places), rng.choice(goods)
        if item.fractional:
            quantity = Decimal(rng.randint(1, 80)) / 2  # half litres
        else:
            quantity = Decimal(rng.randint(1, 40))
        if action == "donate":
            donate(cast.superuser, depot, (item, quantity))
            add(depot, item, quantity)
        elif action == "receive" and on_road:
            movement = on_road.pop(rng.randrange(len(on_road)))
            services.transfer_receive(actor=cast.superuser, movement=movement)
            for li in movement.lines.all():
                add(movement.target, li.item, li.quantity)
        elif action in ("hand_out", "send"):
            before = ledger_balances(), rows_written()
            try:
                if action == "hand_out":
                    services.distribution_record(
                        actor=cast.superuser,
                        depot=depot,
                        occurred_on=days_ago(0),
                        recipient_kind=Movement.Recipient.UNIT,
                        unit_name="村卫生室",
                        lines=[line(item, quantity)],
                    )
                else:
                    target = rng.choice([p for p in places if p != depot])
                    on_road.append(
                        services.transfer_dispatch(
                            actor=cast.superuser,
                            source=depot,
                            target=target,
                            occurred_on=days_ago(0),
                            lines=[line(item, quantity)],
                        )
                    )
            except ValidationError as error:
                assert quantity > have(depot, item), error.messages
                assert "库存不足" in error.messages[0]
                assert (ledger_balances(), rows_written()) == before  # not a line, not a pair
                refused += 1
            else:
                assert quantity <= have(depot, item)
                add(depot, item, -quantity)
                accepted += 1
        assert ledger_balances() == model
        assert all(value > 0 for value in model.values())
    assert refused > 5 and accepted > 5
