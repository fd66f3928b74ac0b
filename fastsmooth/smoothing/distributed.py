"""Certify a dataset on many workers with Ray (``certify_dataset(..., engine="ray")``).

Each worker is a Ray actor that builds its Smooth once (a pickled Smooth, or a picklable factory
called on the worker), receives the data once through Ray's object store, and certifies the
indices the driver gives it with the same per-item seeds as the local engine (``image_seed``),
so every row equals the local engine's row apart from its ``time``. The driver keeps a few items
in flight per worker, writes rows in index order as they arrive (a reorder buffer, flushed after
each row), and re-queues the items of a worker that dies on the others (starting a replacement
when the cluster has room). A row the data cannot give (wrong shape, bad label) stops the run with
the local engine's error naming the item; the rows before it are kept. Ray is optional:
``pip install "fastsmooth[ray]"``.
"""
import collections
import os

IN_FLIGHT_PER_WORKER = 2  # one item computing, one queued: a worker never waits for the driver
NAMESPACE = "fastsmooth"


def _import_ray():
    try:
        import ray
    except ImportError as exc:
        raise ImportError('engine="ray" needs Ray, which is not installed: pip install "fastsmooth[ray]" '
                          '(or pip install "ray>=2.9")') from exc
    return ray


def check_engine(engine, num_workers, address, resources_per_worker):
    """Validate the engine arguments of certify_dataset (before any file is touched)."""
    if engine not in ("local", "ray"):
        raise ValueError(f'engine must be "local" or "ray", got {engine!r}')
    if engine == "local":
        for name, value in (("num_workers", num_workers), ("address", address),
                            ("resources_per_worker", resources_per_worker)):
            if value is not None:
                raise ValueError(f'{name} is an option of engine="ray"; engine="local" got {name}={value!r}')
        return
    if num_workers is not None and (isinstance(num_workers, bool) or not isinstance(num_workers, int)
                                    or num_workers < 1):
        raise ValueError(f"num_workers must be an integer >= 1 or None (one per GPU, else per CPU), "
                         f"got {num_workers!r}")
    if address is not None and not isinstance(address, str):
        raise TypeError(f'address must be None (a local Ray cluster), "auto" or "ray://host:port", got {address!r}')
    if resources_per_worker is not None:
        if not isinstance(resources_per_worker, dict):
            raise TypeError(f"resources_per_worker must be a dict such as {{'num_gpus': 1}}, "
                            f"got {resources_per_worker!r}")
        for key, value in resources_per_worker.items():
            if key not in ("num_cpus", "num_gpus", "memory", "resources"):
                raise ValueError(f"resources_per_worker: unknown key {key!r} (num_cpus, num_gpus, memory, resources)")
            if key != "resources" and not (isinstance(value, (int, float)) and value >= 0):
                raise ValueError(f"resources_per_worker[{key!r}] must be a number >= 0, got {value!r}")
    _import_ray()


class _Worker:
    """The body of one Ray actor: a Smooth, the data, and one method that certifies one item."""

    def __init__(self, payload, data, curve, row_options):
        import ray
        import torch

        from .rows import item_getter, resolve_smooth
        cpus = int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
        if cpus > 0:
            torch.set_num_threads(cpus)
        self.smooth = resolve_smooth(payload)
        if curve is not None:
            self.smooth.radius_curve(curve)
        self.get, _ = item_getter(data)
        if ray.get_gpu_ids() and isinstance(self.smooth.base_classifier, torch.nn.Module):
            # a GPU worker: the model and every input on its GPU (the noise is then drawn there too)
            self.smooth.base_classifier.to("cuda")
            on_host = self.get

            def get(i):
                x, label = on_host(i)
                return x.to("cuda"), label
            self.get = get
        self.row_options = row_options

    def certify(self, idx):
        from .rows import certify_row
        return certify_row(self.smooth, self.get, idx, self.row_options)

    def pid(self):
        return os.getpid()


def _worker_options(ray, resources_per_worker):
    if resources_per_worker is not None:
        return dict(resources_per_worker)
    if ray.cluster_resources().get("GPU", 0) >= 1:
        return {"num_gpus": 1}
    return {"num_cpus": 1}


def _default_workers(ray, options):
    total = ray.cluster_resources()
    if options.get("num_gpus"):
        return max(1, int(total.get("GPU", 0) // options["num_gpus"]))
    return max(1, int(total.get("CPU", 1) // max(options.get("num_cpus", 1), 1e-9)))


def run(payload, smooth, data, todo, write_row, row_options, num_workers, address, resources_per_worker, bar,
        run_name):
    """Certify the items `todo` (in this order) on Ray actors; write_row(row) is called in that order."""
    ray = _import_ray()
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, namespace=NAMESPACE, log_to_driver=False, include_dashboard=False,
                 configure_logging=False)
    actors = []
    try:
        options = _worker_options(ray, resources_per_worker)
        workers = num_workers or _default_workers(ray, options)
        workers = max(1, min(workers, len(todo)))
        threads = max(1, int(options.get("num_cpus", 1)))
        remote = ray.remote(_Worker)
        actor_options = dict(options, max_restarts=0, namespace=NAMESPACE,
                             runtime_env={"env_vars": {"OMP_NUM_THREADS": str(threads)}})
        # the radius curve is built once, here, and shipped (a binary certificate uses it for every item)
        curve = None if row_options["top2"] else smooth.radius_curve()
        shared = (ray.put(payload), ray.put(data), ray.put(curve))
        serial = iter(range(10**9))

        def start_actor():
            name = f"{run_name}-{next(serial)}"
            actor = remote.options(name=name, **actor_options).remote(*shared, row_options)
            actors.append(actor)
            return actor

        for _ in range(workers):
            start_actor()
        _schedule(ray, actors, start_actor, todo, write_row, bar, workers)
    finally:
        for actor in actors:
            try:
                ray.kill(actor, no_restart=True)
            except Exception:  # noqa: BLE001 - already gone: nothing to release
                pass
        if started:
            ray.shutdown()


def _schedule(ray, actors, start_actor, todo, write_row, bar, workers):
    """Hand items to live actors, re-queue the items of dead ones, write rows in `todo` order. A bad
    item stops the run once every row before it is written."""
    dead_errors = (ray.exceptions.RayActorError,) + tuple(
        getattr(ray.exceptions, name) for name in ("ActorDiedError", "ActorUnavailableError", "OwnerDiedError")
        if hasattr(ray.exceptions, name))
    queue = collections.deque(todo)
    position = {idx: i for i, idx in enumerate(todo)}
    finished = {}  # idx -> row, waiting for the rows before it
    next_out = 0
    inflight = {}  # future -> (actor, idx)
    load = collections.Counter()
    replacements = 3 * workers  # a run that keeps losing workers gives up instead of looping
    live = list(actors)
    end, failure = len(todo), None  # a bad item's position and error: the run ends there
    while next_out < end:
        for actor in list(live):
            while queue and position[queue[0]] < end and load[actor] < IN_FLIGHT_PER_WORKER:
                idx = queue.popleft()
                inflight[actor.certify.remote(idx)] = (actor, idx)
                load[actor] += 1
        if not inflight:
            raise RuntimeError(f"every Ray worker died; {len(todo) - next_out} items are left (rerun to resume)")
        ready, _ = ray.wait(list(inflight), num_returns=1)
        for future in ready:
            actor, idx = inflight.pop(future)
            load[actor] -= 1
            try:
                finished[idx] = ray.get(future)
            except dead_errors:
                if actor in live:
                    live.remove(actor)
                    lost = [idx] + [i for f, (a, i) in inflight.items() if a is actor]
                    for f in [f for f, (a, _) in inflight.items() if a is actor]:
                        inflight.pop(f)
                    load.pop(actor, None)
                    queue.extendleft(sorted(lost, key=position.get, reverse=True))
                    if replacements > 0:
                        replacements -= 1
                        live.append(start_actor())
                else:
                    queue.appendleft(idx)
            except ray.exceptions.RayTaskError as exc:
                cause = getattr(exc, "cause", None)
                if not isinstance(cause, (ValueError, TypeError)):
                    raise
                if position[idx] < end:  # a bad item: finish the rows before it, then report it
                    end = position[idx]
                    failure = (ValueError if isinstance(cause, ValueError) else TypeError)(str(cause))
        next_out = _flush(todo, finished, next_out, write_row, bar)
    if failure is not None:
        raise failure


def _flush(todo, finished, next_out, write_row, bar):
    while next_out < len(todo) and todo[next_out] in finished:
        write_row(finished.pop(todo[next_out]))
        next_out += 1
        if bar is not None:
            bar.update(1)
    return next_out
