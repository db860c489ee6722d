"""One description of each operation, made into the methods of the four client classes: sync and async, each
parsed or raw.

The generated code writes an operation once, as a method that only *describes* the call: a `Call` of the operation's
`Endpoint` and a `RequestOptions` of its arguments. `@operation` makes it a method of every client class, which sends
the call its own way:

    class _StoreMethods:
        @operation
        def get_item(self, item_id: str, *, timeout: Timeout | NotGiven = NOT_GIVEN) -> Call[models.Item]:
            return Call(_GET_ITEM, RequestOptions(path={"item_id": item_id}, timeout=timeout))

    client.get_item("i1")                                -> models.Item                (a `SyncAPIClient`)
    client.with_raw_response.get_item("i1")              -> APIResponse[models.Item]   (a `SyncRawClient`)
    await async_client.get_item("i1")                    -> models.Item                (an `AsyncAPIClient`)
    await async_client.with_raw_response.get_item("i1")  -> APIResponse[models.Item]   (an `AsyncRawClient`)

Type checkers read each method's arguments off the description through a `ParamSpec` (as openai-python's
`to_raw_response_wrapper` does) and its return type off the class it is read from (`operation.__get__`'s overloads):
a wrong argument to any of the four is an error, and an IDE shows the description's signature. An operation with two
signatures (a body with required fields: the fields as keywords, or `body=`) is `overloaded` for type checkers, whose
`ParamSpec` would keep only the first of an `@overload`ed description; at run time it is an `operation` too.

A large client's methods are described in modules loaded on first use (`LazyMethods`), as its models are.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Coroutine, Mapping
from types import MethodType
from typing import Any, ClassVar, Concatenate, Generic, NamedTuple, ParamSpec, Protocol, Self, TypeVar, cast, overload

from ._base_client import AsyncAPIClient, SyncAPIClient
from ._response import APIResponse, Endpoint
from ._types import RequestOptions

__all__ = ["AsyncRawClient", "Call", "Either", "LazyMethods", "SyncRawClient", "operation", "overloaded"]

P = ParamSpec("P")
Q = ParamSpec("Q")
T = TypeVar("T")
R_co = TypeVar("R_co", covariant=True)


class Call(NamedTuple, Generic[T]):
    """What a description returns: the operation, and the arguments of one call of it."""

    endpoint: Endpoint[T]
    options: RequestOptions


class SyncRawClient:
    """Base of a sync client's `with_raw_response`: the client's methods, each returning the raw `APIResponse`."""

    _ASYNC = False

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client

    def _request(self, endpoint: Endpoint[T], options: RequestOptions) -> APIResponse[T]:
        return self._client._request_raw(endpoint, options)


class AsyncRawClient:
    """Base of an async client's `with_raw_response`: the client's methods, each returning the raw `APIResponse`."""

    _ASYNC = True

    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    async def _request(self, endpoint: Endpoint[T], options: RequestOptions) -> APIResponse[T]:
        return await self._client._request_raw(endpoint, options)


class Either(Protocol[P, Q, R_co]):
    """A method with two signatures, `P` and `Q`, returning `R_co` (what type checkers see of an `overloaded`)."""

    @overload
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...
    @overload
    def __call__(self, *args: Q.args, **kwargs: Q.kwargs) -> R_co: ...


def _methods(describe: Callable[..., Call[Any]]) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The sync and async method of a description: each sends its `Call` with its owner's `_request` (a client's
    parses the response, a raw client's returns it)."""

    def sync_method(owner: Any, /, *args: Any, **kwargs: Any) -> Any:
        return owner._request(*describe(owner, *args, **kwargs))

    async def async_method(owner: Any, /, *args: Any, **kwargs: Any) -> Any:
        return await owner._request(*describe(owner, *args, **kwargs))

    signature = inspect.signature(describe).replace(return_annotation=inspect.Signature.empty)
    for method in (sync_method, async_method):
        functools.update_wrapper(method, describe, assigned=("__module__", "__name__", "__qualname__", "__doc__"))
        method.__dict__["__signature__"] = signature  # `help()`: the arguments, not the description's `Call`
    return sync_method, async_method


class operation(Generic[P, T]):  # a decorator, named as one
    """A description of an operation (see the module docstring), as a method of each client class.

    Attributes:
        describe: the description itself: `describe(owner, *args, **kwargs)` is the `Call` they make.
    """

    def __init__(self, describe: Callable[Concatenate[Any, P], Call[T]]) -> None:
        self.describe = describe
        self.__doc__ = describe.__doc__
        self._made: tuple[Callable[..., Any], Callable[..., Any]] | None = None

    @overload
    def __get__(self, owner: None, owner_type: type[Any]) -> Self: ...
    @overload
    def __get__(self, owner: SyncAPIClient, owner_type: type[Any]) -> Callable[P, T]: ...
    @overload
    def __get__(self, owner: AsyncAPIClient, owner_type: type[Any]) -> Callable[P, Coroutine[Any, Any, T]]: ...
    @overload
    def __get__(self, owner: SyncRawClient, owner_type: type[Any]) -> Callable[P, APIResponse[T]]: ...
    @overload
    def __get__(
        self, owner: AsyncRawClient, owner_type: type[Any]
    ) -> Callable[P, Coroutine[Any, Any, APIResponse[T]]]: ...
    def __get__(self, owner: object, owner_type: type[Any] | None = None) -> Any:
        if owner is None:
            return self
        if self._made is None:
            self._made = _methods(self.describe)
        return MethodType(self._made[1] if getattr(owner, "_ASYNC", False) else self._made[0], owner)

    def __call__(self, owner: Any, /, *args: P.args, **kwargs: P.kwargs) -> Any:
        """Read off the class, a method as a function: `StoreClient.get_item(client, "i1")` is `client.get_item("i1")`."""
        return self.__get__(owner, type(owner))(*args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        """The description's, for `inspect.signature(StoreClient.get_item)` (without its return type, a `Call`)."""
        return inspect.signature(self.describe).replace(return_annotation=inspect.Signature.empty)


class overloaded(Generic[P, Q, T]):  # a decorator, named as one
    """For type checkers only: an operation with two signatures, `fields` and `whole` (the generated code builds it
    under `TYPE_CHECKING`, and an `operation` over one description taking either at run time)."""

    describe: Either[Concatenate[Any, P], Concatenate[Any, Q], Call[T]]

    def __init__(
        self, fields: Callable[Concatenate[Any, P], Call[T]], whole: Callable[Concatenate[Any, Q], Call[T]]
    ) -> None:
        raise TypeError("`overloaded` is for type checkers: at run time the method is an `operation`")

    @overload
    def __get__(self, owner: None, owner_type: type[Any]) -> Self: ...
    @overload
    def __get__(self, owner: SyncAPIClient, owner_type: type[Any]) -> Either[P, Q, T]: ...
    @overload
    def __get__(self, owner: AsyncAPIClient, owner_type: type[Any]) -> Either[P, Q, Coroutine[Any, Any, T]]: ...
    @overload
    def __get__(self, owner: SyncRawClient, owner_type: type[Any]) -> Either[P, Q, APIResponse[T]]: ...
    @overload
    def __get__(
        self, owner: AsyncRawClient, owner_type: type[Any]
    ) -> Either[P, Q, Coroutine[Any, Any, APIResponse[T]]]: ...
    def __get__(self, owner: object, owner_type: type[Any] | None = None) -> Any:
        raise TypeError("`overloaded` is for type checkers: at run time the method is an `operation`")


class _LazyType(type):
    """Reading a method not loaded yet off a `LazyMethods` class (`Methods.get_item.describe`) loads it."""

    def __getattr__(cls, name: str) -> Any:
        method = _find(cls, name)
        if method is None:
            raise AttributeError(f"type object {cls.__name__!r} has no attribute {name!r}")
        return method


def _find(cls: type, name: str) -> Any:
    """The method `name` of a `LazyMethods` class, loaded now, or None when none of its bases lists it."""
    for base in cls.__mro__:
        module = base.__dict__.get("_MODULE_OF", {}).get(name)
        if module is not None:
            return _load(base, module, name)
    return None


def _load(owner: type, module: str, name: str) -> Any:
    """Import `module` of `owner`'s package of methods, set every method of its `Methods` class on `owner` (so that
    the next reads find them at once), and return the one named `name`."""
    package = owner.__module__.rpartition(".")[0] + cast(type[LazyMethods], owner)._PACKAGE
    methods = importlib.import_module(f"{package}.{module}").Methods
    for key, value in vars(methods).items():
        if isinstance(value, operation):
            setattr(owner, key, value)
    return owner.__dict__[name]


class LazyMethods(metaclass=_LazyType):
    """The methods of a large client, described in the modules of a package (`_PACKAGE`, relative to the client's
    own), each module's loaded on the first use of one of them: `_MODULES` maps each module to the methods its
    `Methods` class describes. Type checkers see the `Methods` classes themselves (imported under `TYPE_CHECKING`).
    """

    _PACKAGE: ClassVar[str] = "._methods"
    _MODULES: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    _MODULE_OF: ClassVar[Mapping[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_MODULES" in cls.__dict__:
            cls._MODULE_OF = {name: module for module, names in cls._MODULES.items() for name in names}

    def __getattr__(self, name: str) -> Any:
        method = _find(type(self), name)
        if method is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return method.__get__(self, type(self))

    def __dir__(self) -> list[str]:
        names = {name for base in type(self).__mro__ for name in base.__dict__.get("_MODULE_OF", {})}
        return sorted({*super().__dir__(), *names})
