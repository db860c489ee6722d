"""`make client-skyvern`: the vendored client, in a venv with only httpx2 and pydantic, against the real Skyvern
server and the reference server (`cli`); `user_code` is what such a user writes."""
