"""Runs Rasa's prediction graph in plain topological order instead of through Dask.

Rasa 3.6 predicts with ``DaskGraphRunner``: on every message (NLU) and every dialogue
prediction (~2.6 per turn) it rebuilds the minimal schema for the targets, turns it into a
Dask task graph, lets Dask order it and runs it synchronously, with no parallelism. That
bookkeeping was ~8 % of a Rasa process's CPU under load (cProfile, docs/scale.md).
``SequentialGraphRunner`` computes the order once per target set and calls the very same
``GraphNode`` objects with the same inputs, so predictions are identical. Training keeps
Rasa's runner (``rasa.model_training`` is untouched); only the processor's predict graph
uses this one.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner

from bot.patching import patch_once

logger = logging.getLogger(__name__)

_MARK = "_shop_sequential_runner"


def execution_order(schema: GraphSchema, targets: List[Text]) -> List[Text]:
    """The nodes the targets need, each after the nodes it needs (depth-first)."""
    order: List[Text] = []
    state: Dict[Text, bool] = {}  # False: being visited, True: done

    def visit(name: Text) -> None:
        done = state.get(name)
        if done:
            return
        if done is False:
            raise GraphRunError(f"The graph has a cycle through '{name}'.")
        state[name] = False
        for needed in schema.nodes[name].needs.values():
            if needed in schema.nodes:  # otherwise a run input such as __message__
                visit(needed)
        state[name] = True
        order.append(name)

    for target in targets:
        visit(target)
    return order


class SequentialGraphRunner(DaskGraphRunner):
    """``DaskGraphRunner`` with the same nodes, run in a precomputed order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._orders: Dict[Tuple[Text, ...], List[Text]] = {}

    def _order(self, targets: List[Text]) -> List[Text]:
        key = tuple(targets)
        order = self._orders.get(key)
        if order is None:
            order = execution_order(self._graph_schema, targets)
            self._orders[key] = order
        return order

    def run(
        self,
        inputs: Optional[Dict[Text, Any]] = None,
        targets: Optional[List[Text]] = None,
    ) -> Dict[Text, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        results: Dict[Text, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none "
                    f"of the input names passed to the `run` method are the same as node "
                    f"names in the graph schema."
                )
            results[name] = (name, value)
        try:
            for name in self._order(run_targets):
                needs = self._graph_schema.nodes[name].needs.values()
                results[name] = self._instantiated_nodes[name](*(results[n] for n in needs))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        return dict(results[target] for target in run_targets)


def install() -> None:
    """Make the message processor load its predict graph into ``SequentialGraphRunner``."""
    import rasa.core.processor as processor

    patch_once(processor, "DaskGraphRunner", _MARK, lambda _: SequentialGraphRunner)
