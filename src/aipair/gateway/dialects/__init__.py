"""The API shapes the gateway speaks besides OpenAI's chat completions, each translated to and from it.

Every dialect is pure translation (no I/O): a request in its shape becomes a chat completion request,
which the gateway governs, routes and bills like any other; the answer (or each stream chunk) is turned
back into the dialect's shape. So Anthropic's Messages API, OpenAI's Responses API and legacy
completions are limited, budgeted and billed exactly like chat completions, on every provider.
"""
