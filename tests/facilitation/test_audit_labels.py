"""Every action code the application writes in the audit log has a label people read.

The codes are read from the code, not listed by hand: every call of ``record_audit``, its
``action`` argument followed back to string literals through f-strings, conditionals,
dictionaries, local names, parameters (their callers and defaults, or the constant a
guard checks them against) and signals (``@signal.connect`` receivers ← ``signal.send``).
A new code without a label in ``audit_display.ACTIONS`` fails here; so does a code the
walk cannot follow (write it so it can)."""

from __future__ import annotations

import ast
import functools
import itertools
from pathlib import Path

from app.facilitation.audit_display import ACTIONS, FAMILIES

APP = Path(__file__).resolve().parents[2] / "app"
SINK = ("app.facilitation.audit", "record_audit")
ACTION_AT = 2  # record_audit(edition, actor, action, …)


class Unresolved(Exception):
    pass


class Walk:
    """The action codes that reach ``SINK`` in ``sources`` (module name → source)."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.trees = {name: ast.parse(source) for name, source in sources.items()}
        self.functions: dict[tuple[str, str], ast.FunctionDef] = {}
        self.constants: dict[tuple[str, str], ast.expr] = {}
        self.imports: dict[str, dict[str, tuple[str, str]]] = {}
        self.parents: dict[ast.AST, ast.AST] = {}
        for module, tree in self.trees.items():
            self.imports[module] = {}
            for node in tree.body:
                if isinstance(node, ast.FunctionDef):
                    self.functions[(module, node.name)] = node
                elif isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            self.constants[(module, target.id)] = node.value
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    for alias in node.names:
                        local = alias.asname or alias.name
                        self.imports[module][local] = (node.module, alias.name)
            for parent in ast.walk(tree):
                for child in ast.iter_child_nodes(parent):
                    self.parents[child] = parent
        self.unresolved: list[str] = []
        self._busy: set[tuple] = set()

    # --- where calls go -----------------------------------------------------------------

    def _callee(self, module: str, func: ast.expr) -> tuple[str, str] | None:
        if isinstance(func, ast.Name):
            if (module, func.id) in self.functions:
                return (module, func.id)
            return self.imports[module].get(func.id)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            source = self.imports[module].get(func.value.id)
            if source is not None:
                return (f"{source[0]}.{source[1]}", func.attr)
        return None

    def _calls(self) -> list[tuple[str, ast.Call]]:
        if not hasattr(self, "_all_calls"):
            self._all_calls = [
                (module, node)
                for module, tree in self.trees.items()
                for node in ast.walk(tree)
                if isinstance(node, ast.Call)
            ]
        return self._all_calls

    def _enclosing(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef):
                return node
        return None

    @staticmethod
    def _argument(call: ast.Call, index: int, name: str) -> ast.expr | None:
        for keyword in call.keywords:
            if keyword.arg == name:
                return keyword.value
        positional = [a for a in call.args if not isinstance(a, ast.Starred)]
        if len(positional) != len(call.args):
            raise Unresolved("a call with *args")
        return positional[index] if index < len(positional) else None

    # --- what an expression may be --------------------------------------------------------

    def values(self, node: ast.expr, module: str, func: ast.FunctionDef | None) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.JoinedStr):
            parts = [
                {part.value}
                if isinstance(part, ast.Constant)
                else self.values(part.value, module, func)
                for part in node.values
            ]
            return {"".join(chosen) for chosen in itertools.product(*parts)}
        if isinstance(node, ast.IfExp):
            return self.values(node.body, module, func) | self.values(node.orelse, module, func)
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return set().union(*(self.values(e, module, func) for e in node.elts))
        if isinstance(node, ast.Subscript):
            try:
                mapping = self._dict(node.value, module, func)
            except Unresolved:
                raise Unresolved(f"{module}:{node.lineno}: {ast.unparse(node)}") from None
            return set().union(*(self.values(v, module, func) for v in mapping.values))
        if isinstance(node, ast.Name):
            return self._name(node.id, module, func)
        raise Unresolved(f"{module}:{node.lineno}: {ast.unparse(node)}")

    def _dict(self, node: ast.expr, module: str, func) -> ast.Dict:
        if isinstance(node, ast.Dict):
            return node
        if isinstance(node, ast.Name):
            for value in self._assigned(node.id, module, func):
                if isinstance(value, ast.Dict):
                    return value
        raise Unresolved(f"{module}:{node.lineno}: {ast.unparse(node)}")

    def _assigned(self, name: str, module: str, func) -> list[ast.expr]:
        """What ``name`` is assigned in ``func``, else at the top of its module."""
        found = []
        if func is not None:
            for node in ast.walk(func):
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == name for t in node.targets
                ):
                    found.append(node.value)
        if not found and (module, name) in self.constants:
            found.append(self.constants[(module, name)])
        if not found and name in self.imports[module]:
            source = self.imports[module][name]
            if source in self.constants:
                found.append(self.constants[source])
        return found

    def _name(self, name: str, module: str, func) -> set[str]:
        key = (module, func.name if func else None, name)
        if key in self._busy:
            return set()
        self._busy.add(key)
        try:
            assigned = self._assigned(name, module, func)
            if assigned and not self._is_parameter(name, func):
                return set().union(*(self.values(value, module, func) for value in assigned))
            if func is not None and self._is_parameter(name, func):
                return self._parameter(name, module, func)
            if name in self.imports[module]:
                source = self.imports[module][name]
                if source in self.constants:
                    return self.values(self.constants[source], source[0], None)
            raise Unresolved(f"{module}: {name}")
        finally:
            self._busy.discard(key)

    @staticmethod
    def _is_parameter(name: str, func) -> bool:
        if func is None:
            return False
        every = func.args.posonlyargs + func.args.args + func.args.kwonlyargs
        return any(a.arg == name for a in every)

    def _parameter(self, name: str, module: str, func: ast.FunctionDef) -> set[str]:
        """A parameter: the constant a guard checks it against (``if x not in CODES``),
        else its default and what every caller (or a signal's sender) passes."""
        for node in ast.walk(func):
            if (
                isinstance(node, ast.Compare)
                and isinstance(node.left, ast.Name)
                and node.left.id == name
                and isinstance(node.ops[0], ast.In | ast.NotIn)
            ):
                return self.values(node.comparators[0], module, func)
        positional = func.args.posonlyargs + func.args.args
        index = next((i for i, a in enumerate(positional) if a.arg == name), 10**6)
        found: set[str] = set()
        default = self._default(name, func)
        if default is not None:
            found |= self.values(default, module, func)
        signal = self._signal(func)
        for caller_module, call in self._calls():
            if signal is not None:
                sends = (
                    isinstance(call.func, ast.Attribute)
                    and call.func.attr == "send"
                    and ast.unparse(call.func.value).split(".")[-1] == signal
                )
                if not sends:
                    continue
            elif self._callee(caller_module, call.func) != (module, func.name):
                continue
            passed = self._argument(call, index, name)
            if passed is not None:
                found |= self.values(passed, caller_module, self._enclosing(call))
        if not found:
            raise Unresolved(f"{module}:{func.lineno}: parameter {name} of {func.name}")
        return found

    @staticmethod
    def _default(name: str, func: ast.FunctionDef) -> ast.expr | None:
        positional = [a.arg for a in func.args.posonlyargs + func.args.args]
        with_default = positional[len(positional) - len(func.args.defaults) :]
        defaults = dict(zip(with_default, func.args.defaults, strict=True))
        for arg, default in zip(func.args.kwonlyargs, func.args.kw_defaults, strict=True):
            if default is not None:
                defaults[arg.arg] = default
        return defaults.get(name)

    @staticmethod
    def _signal(func: ast.FunctionDef) -> str | None:
        """``@signals.membership_changed.connect`` → "membership_changed"."""
        for decorator in func.decorator_list:
            if isinstance(decorator, ast.Attribute) and decorator.attr == "connect":
                return ast.unparse(decorator.value).split(".")[-1]
        return None

    # --- the codes ------------------------------------------------------------------------

    def codes(self) -> set[str]:
        found: set[str] = set()
        for module, call in self._calls():
            if self._callee(module, call.func) != SINK:
                continue
            try:
                action = self._argument(call, ACTION_AT, "action")
                if action is None:
                    raise Unresolved(f"{module}:{call.lineno}: no action")
                found |= self.values(action, module, self._enclosing(call))
            except Unresolved as error:
                self.unresolved.append(str(error))
        return found


def _app_sources() -> dict[str, str]:
    root = APP.parent
    return {
        ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): (
            path.read_text(encoding="utf-8")
        )
        for path in APP.rglob("*.py")
    }


@functools.cache
def _app_walk() -> tuple[frozenset[str], tuple[str, ...]]:
    walk = Walk(_app_sources())
    codes = walk.codes()
    return frozenset(codes), tuple(walk.unresolved)


def test_every_action_code_written_has_a_label():
    codes, unresolved = _app_walk()
    assert unresolved == ()
    assert sorted(code for code in codes if code not in ACTIONS) == []


def test_every_label_belongs_to_a_code_still_written():
    codes, _unresolved = _app_walk()
    assert sorted(code for code in ACTIONS if code not in codes) == []


def test_every_action_belongs_to_a_family_of_the_filters():
    assert {family for family, _label in ACTIONS.values()} <= set(FAMILIES)


def test_the_walk_follows_parameters_signals_and_f_strings():
    planted = {
        "app.facilitation.audit": "def record_audit(edition, actor, action, target=None): ...\n",
        "app.here": (
            "from app.facilitation.audit import record_audit\n"
            "KINDS = ('open', 'shut')\n"
            "@signals.changed.connect\n"
            "def heard(_app, *, action):\n"
            "    record_audit(None, None, action)\n"
            "def act(kind):\n"
            "    if kind not in KINDS:\n"
            "        raise ValueError\n"
            '    record_audit(None, None, f"door.{kind}")\n'
            "    record_audit(None, None, 'a.b' if kind else 'a.c')\n"
        ),
        "app.there": (
            "def _say(what, action='member.role'):\n"
            "    signals.changed.send(None, action=action)\n"
            "def promote():\n"
            "    _say(1, action='member.promote')\n"
        ),
    }
    walk = Walk(planted)
    assert walk.codes() == {
        "door.open", "door.shut", "a.b", "a.c", "member.role", "member.promote",
    }  # fmt: skip
    assert walk.unresolved == []


def test_a_code_the_walk_cannot_read_is_reported():
    planted = {
        "app.facilitation.audit": "def record_audit(edition, actor, action): ...\n",
        "app.here": (
            "from app.facilitation.audit import record_audit\n"
            "def act(request):\n"
            "    record_audit(None, None, request.args['code'])\n"
        ),
    }
    walk = Walk(planted)
    walk.codes()
    assert walk.unresolved == ["app.here:3: request.args['code']"]
