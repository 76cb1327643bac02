"""Agents written as their users write them: tools, a model bound to them, a loop until it answers.

Nothing here knows streamtest. The models are built at import time with the
default ``tool_choice``, as apps do; ``OPENAI_API_KEY`` (and, if you set it,
``OPENAI_BASE_URL``) decide where they point.

- ``weather_agent``: ``langchain.agents.create_agent`` with two tools,
  ``get_weather`` and ``get_time``, over Chat Completions;
- ``weather_agent_responses``: the same agent over the Responses API
  (``ChatOpenAI(use_responses_api=True)``);
- ``weather_react_agent``: the same with ``langgraph.prebuilt.create_react_agent``
  (deprecated in LangGraph 1.x, still widely used);
- ``tool_graph``: a hand-built ``StateGraph``: a ``call_model`` node with
  ``bind_tools``, a ``ToolNode``, and ``tools_condition`` looping back;
- ``approval_graph``: the hand-built loop with a checkpointer, whose
  ``get_weather`` asks a human first with ``interrupt()``; resume it with
  ``Command(resume=True)`` (or ``False`` to refuse);
- ``reasoning_graph``: one node streams a reasoning model's answer with the raw
  ``openai`` client (``reasoning_effort="low"``) and hands its reasoning deltas
  (``delta.reasoning_content``, as DeepSeek, vLLM and llama.cpp send them) and
  its answer deltas to the stream writer, tagged ``reasoning`` and ``answer``.
  (``ChatOpenAI`` targets OpenAI's own API and drops ``reasoning_content``.)
- ``reasoning_responses_graph``: the same over the Responses API
  (``reasoning={"effort": "low"}``): ``response.reasoning_text.delta`` events
  to the ``reasoning`` lane, ``response.output_text.delta`` to ``answer``.

Every call sends ``temperature=0`` and a small ``max_tokens``, so recordings
are short and repeatable.
"""

from __future__ import annotations

import warnings
from typing import Annotated, Any, TypedDict

from langchain.agents import create_agent
from langchain_core.messages import AnyMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode, tools_condition
from langgraph.types import StreamWriter, interrupt
from openai import OpenAI

__all__ = [
    "MAX_TOKENS",
    "QUESTION",
    "AgentState",
    "approval_graph",
    "get_time",
    "get_weather",
    "model",
    "reasoning_graph",
    "reasoning_responses_graph",
    "responses_model",
    "tool_graph",
    "weather_agent",
    "weather_agent_responses",
    "weather_react_agent",
]

MAX_TOKENS = 40
QUESTION = "What is the weather in Paris?"

WEATHER = {"paris": "Sunny, 21 C", "london": "Light rain, 14 C", "tokyo": "Cloudy, 18 C"}


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return WEATHER.get(city.strip().lower(), f"No weather report for {city}.")


@tool
def get_time(city: str) -> str:
    """Get the local time in a city."""
    return "14:05" if city.strip().lower() == "paris" else "unknown"


TOOLS = [get_weather, get_time]

model = ChatOpenAI(model="gpt-4o-mini", temperature=0, max_tokens=MAX_TOKENS)
responses_model = ChatOpenAI(model="gpt-4o-mini", temperature=0, max_tokens=MAX_TOKENS, use_responses_api=True)

weather_agent = create_agent(model, TOOLS, system_prompt="You are a helpful weather assistant.")
weather_agent_responses = create_agent(responses_model, TOOLS, system_prompt="You are a helpful weather assistant.")

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # create_react_agent moved to langchain.agents
    from langgraph.prebuilt import create_react_agent

    weather_react_agent = create_react_agent(model, TOOLS)


# --- A hand-built agent loop ------------------------------------------------------------


class AgentState(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


model_with_tools = model.bind_tools(TOOLS)


def call_model(state: AgentState) -> dict[str, Any]:
    return {"messages": [model_with_tools.invoke(state["messages"])]}


def _loop(tools: ToolNode) -> StateGraph[AgentState]:
    return (
        StateGraph(AgentState)
        .add_node("call_model", call_model)
        .add_node("tools", tools)
        .add_edge(START, "call_model")
        .add_conditional_edges("call_model", tools_condition)
        .add_edge("tools", "call_model")
    )


tool_graph = _loop(ToolNode(TOOLS)).compile()


# --- Human in the loop ------------------------------------------------------------------


@tool("get_weather")
def get_weather_approved(city: str) -> str:
    """Get the current weather in a city."""
    if not interrupt({"question": "Look up the weather?", "city": city}):
        return "The user declined the weather lookup."
    return get_weather.invoke({"city": city})


approval_graph = _loop(ToolNode([get_weather_approved, get_time])).compile(checkpointer=InMemorySaver())


# --- Reasoning, streamed by hand ----------------------------------------------------------

client = OpenAI()


class Question(TypedDict, total=False):
    question: str
    reasoning: str
    answer: str


def think(state: Question, writer: StreamWriter) -> Question:
    stream = client.chat.completions.create(
        model="o4-mini",
        messages=[{"role": "user", "content": state["question"]}],
        reasoning_effort="low",
        max_completion_tokens=MAX_TOKENS,
        stream=True,
    )
    reasoning, answer = [], []
    for chunk in stream:
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        thought = getattr(delta, "reasoning_content", None)  # not in OpenAI's schema: an extra field
        if thought:
            reasoning.append(thought)
            writer({"content": thought, "tags": ["reasoning"]})
        if delta.content:
            answer.append(delta.content)
            writer({"content": delta.content, "tags": ["answer"]})
    return {"reasoning": "".join(reasoning), "answer": "".join(answer)}


reasoning_graph = StateGraph(Question).add_node(think).add_edge(START, "think").compile()


def think_responses(state: Question, writer: StreamWriter) -> Question:
    stream = client.responses.create(
        model="o4-mini",
        input=state["question"],
        reasoning={"effort": "low"},
        max_output_tokens=MAX_TOKENS,
        stream=True,
    )
    reasoning, answer = [], []
    for event in stream:
        if event.type == "response.reasoning_text.delta" and event.delta:
            reasoning.append(event.delta)
            writer({"content": event.delta, "tags": ["reasoning"]})
        elif event.type == "response.output_text.delta" and event.delta:
            answer.append(event.delta)
            writer({"content": event.delta, "tags": ["answer"]})
    return {"reasoning": "".join(reasoning), "answer": "".join(answer)}


reasoning_responses_graph = StateGraph(Question).add_node(think_responses).add_edge(START, "think_responses").compile()
