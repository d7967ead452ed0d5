# Copyright (c) mmgrasp contributors. All rights reserved.
"""The config saved in a checkpoint, read as data: never executed.

mmengine's Runner saves its config in every checkpoint as Python text (``Config.pretty_text``,
in ``meta['cfg']`` and ``message_hub['runtime_info']['cfg']``), and mmengine's inferencer turns
it back with ``Config.fromstring(text, '.py')``, which *runs* the text: a checkpoint could hide
any code there. :func:`config_from_text` accepts only what ``pretty_text`` writes: assignments
``name = <literal>`` where a literal is a number, string, ``True``/``False``/``None``, a list,
tuple, set or dict of literals, or ``dict(key=<literal>, ...)``. Anything else (an import, a
call of another function, an attribute, an expression) is refused, naming its line, and nothing
of the text is run.
"""
import ast
from typing import Any, Optional

from mmengine.config import Config

from .checkpoint_files import CheckpointError


class StoredConfigError(CheckpointError):
    """A checkpoint's stored config is missing or is not plain data."""


def _literal(node: ast.AST, where: str) -> Any:
    """The value of a literal node, or a :class:`StoredConfigError` for anything else."""
    if isinstance(node, ast.Constant) and node.value is not Ellipsis:
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [_literal(e, where) for e in node.elts]
        return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](items)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise StoredConfigError(f'{where}, line {node.lineno}: "**" in a dict is not data')
        return {_literal(k, where): _literal(v, where) for k, v in zip(node.keys, node.values)}
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == 'dict'
            and not node.args and all(k.arg is not None for k in node.keywords)):
        return {k.arg: _literal(k.value, where) for k in node.keywords}
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd))
            and isinstance(node.operand, ast.Constant)
            and type(node.operand.value) in (int, float, complex)):
        value = node.operand.value
        return -value if isinstance(node.op, ast.USub) else value
    shown = ast.unparse(node)
    shown = shown if len(shown) <= 60 else shown[:57] + '...'
    raise StoredConfigError(f'{where}, line {getattr(node, "lineno", "?")}: {shown!r} is not a '
                            'literal (only numbers, strings, lists, tuples and dicts are read)')


def config_from_text(text: str, source: str = '<stored config>') -> Config:
    """Parse config text of plain assignments of literals, without running it.

    Args:
        text (str): Python config text, as ``Config.pretty_text`` writes it.
        source (str): What it comes from, for messages. Defaults to ``'<stored config>'``.

    Returns:
        Config: The config.

    Raises:
        StoredConfigError: The text is not valid Python, or holds anything but assignments of
            literals.
    """
    try:
        tree = ast.parse(text, filename=source, mode='exec')
    except (SyntaxError, ValueError) as e:
        raise StoredConfigError(f'{source}: not a config ({e})') from None
    cfg = {}
    for stmt in tree.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)):
            raise StoredConfigError(
                f'{source}, line {stmt.lineno}: a {type(stmt).__name__} statement; only '
                '`name = <literal>` lines are read')
        cfg[stmt.targets[0].id] = _literal(stmt.value, source)
    return Config(cfg)


def stored_config(checkpoint: dict, filename: str) -> Config:
    """The config a checkpoint was trained with, read as data (:func:`config_from_text`).

    Looks where mmengine's inferencer looks: ``message_hub['runtime_info']['cfg']``, then
    ``meta['cfg']``.

    Args:
        checkpoint (dict): A loaded checkpoint.
        filename (str): Its file, for messages.

    Returns:
        Config: The stored config.

    Raises:
        StoredConfigError: No config is stored, or it is not plain data; the message asks for the
            config file.
    """
    text: Optional[Any] = None
    where = ''
    hub = checkpoint.get('message_hub')
    if isinstance(hub, dict) and isinstance(hub.get('runtime_info'), dict):
        text, where = hub['runtime_info'].get('cfg'), "message_hub['runtime_info']['cfg']"
    if text is None and isinstance(checkpoint.get('meta'), dict):
        text, where = checkpoint['meta'].get('cfg'), "meta['cfg']"
    hint = 'pass the config file of the model instead of "none"'
    if not isinstance(text, str):
        raise StoredConfigError(f'{filename} holds no config text: {hint}.')
    try:
        return config_from_text(text, f"{filename} {where}")
    except StoredConfigError as e:
        raise StoredConfigError(f'{e}. The stored config is not read as code: {hint}.') from None
