"""Raw Redis pub/sub round trip with redis-py asyncio: publish, then wait for it back."""

import time

import redis.asyncio as redis


async def round_trips(url: str, count: int) -> dict:
    client = redis.from_url(url)
    pubsub = client.pubsub()
    await pubsub.subscribe("bench.rtt")
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    times = []
    started = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        await client.publish("bench.rtt", str(i))
        while True:
            message = await pubsub.get_message(timeout=1)
            if message and message["type"] == "message":
                break
        times.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    await pubsub.aclose()
    await client.aclose()
    times.sort()
    return {
        "round_trips": count,
        "per_second": count / elapsed,
        "p50_ms": 1000 * times[len(times) // 2],
        "p99_ms": 1000 * times[int(len(times) * 0.99)],
    }
