"""The descriptors server reflection serves: every service's file, health's and reflection's.

protobuf's upb DescriptorPool does not resolve a method's full name (`pkg.Service.Method`) to
its file, so `grpcurl describe tp3.currency.v1.CurrencyService.Convert` said "Symbol not
found". `ReflectionPool` answers it from the method's service.
"""

from typing import Any

from google.protobuf.descriptor import FileDescriptor
from google.protobuf.descriptor_pool import DescriptorPool
from grpclib.health.v1 import health_pb2
from grpclib.reflection.v1 import reflection_pb2
from grpclib.reflection.v1alpha import reflection_pb2 as reflection_v1alpha_pb2

from tp3.rpc.upb import generated_files

__all__ = ["ReflectionPool"]


class ReflectionPool:
    """A descriptor pool for grpclib's reflection services, methods included."""

    def __init__(self) -> None:
        self._pool = DescriptorPool()
        for file in generated_files().file:
            self._pool.Add(file)
        for module in (health_pb2, reflection_pb2, reflection_v1alpha_pb2):
            self._pool.AddSerializedFile(module.DESCRIPTOR.serialized_pb)

    def FindFileContainingSymbol(self, symbol: str) -> FileDescriptor:
        try:
            return self._pool.FindFileContainingSymbol(symbol)
        except KeyError:
            service_name, _, method = symbol.rpartition(".")
            try:
                service = self._pool.FindServiceByName(service_name)
            except KeyError:
                raise KeyError(symbol) from None
            if method not in service.methods_by_name:
                raise KeyError(symbol) from None
            return service.file

    def __getattr__(self, name: str) -> Any:  # the rest of the pool's API, as it is
        return getattr(self._pool, name)
