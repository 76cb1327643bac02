"""The chat template the embedded llama.cpp server runs with (``params.chat_template``).

The packaged Gemma 3 270M is a base model whose GGUF carries no chat template;
llama.cpp then falls back to a bare ChatML template, and the model repeats the
prompt until ``max_tokens`` (``finish_reason: "length"``). This template is
what llama.cpp renders every request through instead, and what its template
analysis reads to learn the tool-call format (Hermes ``<tool_call>`` JSON) and
the reasoning tags (``<think>``), so that the model's text comes back as real
streamed ``delta.tool_calls`` / ``function_call_arguments.delta`` and
``reasoning_content`` deltas. Its comment (the Jinja ``{#- ... -#}`` block)
says what each part is for; :mod:`.shaping` says which request switches which
part on.
"""

from __future__ import annotations

__all__ = ["CHAT_TEMPLATE"]

CHAT_TEMPLATE = r"""{#- streamtest: the chat template of the local llama.cpp server (the packaged Gemma 3 270M is a base
    model whose GGUF has no template). Passed as params.chat_template; llama.cpp's template analysis
    derives from it the tool-call format (Hermes <tool_call> JSON) and the reasoning tags (<think>).

    - Turns are plain text, "User: ..." / "Assistant: ...", separated by a blank line. A base model
      continues that and ends its answer by starting the next "User:" turn, which the request shaping
      sets as a stop string: answers end with finish_reason "stop". (Gemma's own <start_of_turn>
      turns do not: this model never emits <end_of_turn> unless it is biased into it.)
    - Tools are listed in a system turn. An assistant's tool_calls render as
      <tool_call>\n{"name": ..., "arguments": ...}\n</tool_call>; tool results as <tool_response>
      in a user turn. A tool step is forced by the request shaping (prefill + tool_choice required).
    - An assistant's reasoning_content renders as <think>\n...\n</think>\n, and enable_thinking opens
      <think> in the generation prompt.
    - Two examples render only when the request shaping asks for them through chat_template_kwargs
      (never during llama.cpp's template analysis, which sets neither):
      tool_example: one tool round (a single closed call, its result, a one-line answer, with a
        <think> line when thinking is on), on the tool step (so the model closes the call after one
        call) and on the answer after tool results (so it answers from the result);
      reasoning_example: two think-then-answer turns, for reasoning requests without tool results. -#}
{%- macro text_of(content) -%}
{%- if content is string -%}{{ content }}
{%- elif content is iterable -%}{%- for part in content -%}{%- if part.text is defined -%}{{ part.text }}{%- endif -%}{%- endfor -%}
{%- endif -%}
{%- endmacro -%}
{%- macro call_json(call) -%}
{%- set fn = call.function if call.function is defined else call -%}
{"name": "{{ fn.name }}", "arguments": {% if fn.arguments is string %}{{ fn.arguments }}{% else %}{{ fn.arguments | tojson }}{% endif %}}
{%- endmacro -%}
{{- bos_token -}}
{%- set ns = namespace(system="", start=0) -%}
{%- if messages and messages[0].role in ["system", "developer"] -%}
{%- set ns.system = text_of(messages[0].content) -%}
{%- set ns.start = 1 -%}
{%- endif -%}
{%- if tools -%}
{{- "System: " -}}
{%- if ns.system -%}{{ ns.system + "\n" }}{%- endif -%}
{{- "You can call these functions:\n<tools>\n" -}}
{%- for tool in tools -%}{{ (tool.function if tool.function is defined else tool) | tojson }}{{ "\n" }}{%- endfor -%}
{{- "</tools>\nTo call one, reply with <tool_call>{\"name\": ..., \"arguments\": {...}}</tool_call>.\n\n" -}}
{%- elif ns.system -%}
{{- "System: " + ns.system + "\n\n" -}}
{%- endif -%}
{%- set thinking = enable_thinking is defined and enable_thinking -%}
{%- if tool_example is defined and tool_example -%}
{{- "User: How warm is it in Rome?\n\nAssistant: <tool_call>\n{\"name\": \"lookup\", \"arguments\": {\"query\": \"temperature in Rome\"}}\n</tool_call>\n\nUser: <tool_response>\n18C, cloudy\n</tool_response>\n\nAssistant: " -}}
{%- if thinking -%}{{ "<think>\nThe tool says it is 18C and cloudy in Rome.\n</think>\n" }}{%- endif -%}
{{- "It is 18C and cloudy in Rome.\n\n" -}}
{%- elif thinking and reasoning_example is defined and reasoning_example -%}
{{- "User: What is 2+2?\n\nAssistant: <think>\nThe user asks for the sum of 2 and 2. Two plus two makes four.\n</think>\nThe answer is 4.\n\nUser: What colour is the sky?\n\nAssistant: <think>\nThe user asks about the sky. On a clear day it is blue.\n</think>\nThe sky is blue.\n\n" -}}
{%- endif -%}
{%- set turns = messages[ns.start:] -%}
{%- for message in turns -%}
{%- if message.role == "user" -%}
{{- "User: " + text_of(message.content) + "\n\n" -}}
{%- elif message.role == "assistant" -%}
{{- "Assistant: " -}}
{%- if message.reasoning_content -%}{{ "<think>\n" + message.reasoning_content + "\n</think>\n" }}{%- endif -%}
{%- if message.content -%}{{ text_of(message.content) }}{%- endif -%}
{%- if message.tool_calls -%}
{%- for call in message.tool_calls -%}{{ "<tool_call>\n" + call_json(call) + "\n</tool_call>" }}{%- endfor -%}
{%- endif -%}
{{- "\n\n" -}}
{%- elif message.role == "tool" -%}
{%- if loop.first or turns[loop.index0 - 1].role != "tool" -%}{{ "User: " }}{%- endif -%}
{{- "<tool_response>\n" + text_of(message.content) + "\n</tool_response>" -}}
{%- if loop.last or turns[loop.index0 + 1].role != "tool" -%}{{ "\n\n" }}{%- else -%}{{ "\n" }}{%- endif -%}
{%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
{{- "Assistant: " -}}
{%- if enable_thinking is defined and enable_thinking -%}{{ "<think>\n" }}{%- endif -%}
{%- endif -%}
"""
