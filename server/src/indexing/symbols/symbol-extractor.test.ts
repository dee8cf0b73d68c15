/**
 * SymbolExtractor: one realistic fixture per supported language with its exact symbols
 * (name, kind, container, start line), plus the guards: unsupported languages, syntax errors,
 * size limits, the symbol cap, parse timeouts and concurrent use.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SymbolExtractor, type ExtractedSymbol, type SymbolKind } from "./symbol-extractor.js";

/** Source text as written (backslashes kept), without the newline after the opening backtick. */
function code(strings: TemplateStringsArray): string {
  return strings.raw.join("").replace(/^\n/, "");
}

type Row = [name: string, kind: SymbolKind, container: string | null, startLine: number];

function rows(symbols: ExtractedSymbol[]): Row[] {
  return symbols.map((s) => [s.name, s.kind, s.container, s.startLine]);
}

/** A fixture per language and every symbol it must yield, in document order. */
const CASES: Array<{ language: string; source: string; expected: Row[] }> = [
  {
    language: "typescript",
    source: code`
import { z } from "zod";

/** A stored user. */
export interface User {
  id: string;
  rename(name: string): User;
}

export type UserId = User["id"];

export enum Role {
  Admin = "admin",
  Member = "member",
}

export class UserService {
  private readonly cache = new Map<string, User>();

  constructor(private readonly db: Db) {}

  async find(id: UserId): Promise<User | undefined> {
    const hit = this.cache.get(id);
    return hit;
  }
}

export const parseUser = (input: unknown): User => {
  const local = 1;
  return input as User;
};

export const MAX_USERS = 100;

function helper(): void {}
`,
    expected: [
      ["User", "interface", null, 4],
      ["id", "property", "User", 5],
      ["rename", "method", "User", 6],
      ["UserId", "type", null, 9],
      ["Role", "enum", null, 11],
      ["UserService", "class", null, 16],
      ["cache", "field", "UserService", 17],
      ["constructor", "method", "UserService", 19],
      ["find", "method", "UserService", 21],
      ["parseUser", "function", null, 27],
      ["MAX_USERS", "constant", null, 32],
      ["helper", "function", null, 34],
    ],
  },
  {
    language: "tsx",
    source: code`
import React from "react";

interface ButtonProps {
  label: string;
}

export function Button({ label }: ButtonProps) {
  return <button>{label}</button>;
}

export const Card = ({ title }: { title: string }) => (
  <div className="card">{title}</div>
);

export default class Page extends React.Component {
  render() {
    return <Card title="x" />;
  }
}
`,
    expected: [
      ["ButtonProps", "interface", null, 3],
      ["label", "property", "ButtonProps", 4],
      ["Button", "function", null, 7],
      ["Card", "function", null, 11],
      ["Page", "class", null, 15],
      ["render", "method", "Page", 16],
    ],
  },
  {
    language: "javascript",
    source: code`
const path = require("node:path");

class Cache {
  #entries = new Map();

  get(key) {
    return this.#entries.get(key);
  }

  static create() {
    return new Cache();
  }
}

function* ids() {
  yield 1;
}

const resolve = function (p) {
  return path.resolve(p);
};

export const DEFAULT_TTL = 60;
let hits = 0;
`,
    expected: [
      ["path", "constant", null, 1],
      ["Cache", "class", null, 3],
      ["#entries", "field", "Cache", 4],
      ["get", "method", "Cache", 6],
      ["create", "method", "Cache", 10],
      ["ids", "function", null, 15],
      ["resolve", "function", null, 19],
      ["DEFAULT_TTL", "constant", null, 23],
      ["hits", "variable", null, 24],
    ],
  },
  {
    language: "python",
    source: code`
import os

DEFAULT_ROOT = "/srv"
_registry = {}


class Repository:
    """A git repository on disk."""

    max_size: int = 10

    def __init__(self, path):
        self.path = path

    @property
    def name(self):
        def strip(value):
            return value.rstrip("/")

        return os.path.basename(strip(self.path))


def open_repository(path):
    return Repository(path)
`,
    expected: [
      ["DEFAULT_ROOT", "constant", null, 3],
      ["_registry", "variable", null, 4],
      ["Repository", "class", null, 7],
      ["max_size", "field", "Repository", 10],
      ["__init__", "method", "Repository", 12],
      ["name", "method", "Repository", 15],
      ["strip", "function", "Repository", 17],
      ["open_repository", "function", null, 23],
    ],
  },
  {
    language: "go",
    source: code`
package store

import "errors"

const MaxItems = 100

var ErrFull = errors.New("full")

// Store keeps items in memory.
type Store struct {
	items []string
	limit int
}

type Reader interface {
	Get(i int) (string, error)
}

func (s *Store) Add(item string) error {
	if len(s.items) >= s.limit {
		return ErrFull
	}
	s.items = append(s.items, item)
	return nil
}

func New(limit int) *Store {
	const local = 1
	return &Store{limit: limit}
}
`,
    expected: [
      ["MaxItems", "constant", null, 5],
      ["ErrFull", "variable", null, 7],
      ["Store", "struct", null, 10],
      ["items", "field", "Store", 11],
      ["limit", "field", "Store", 12],
      ["Reader", "interface", null, 15],
      ["Get", "method", "Reader", 16],
      ["Add", "method", "Store", 19],
      ["New", "function", null, 27],
    ],
  },
  {
    language: "java",
    source: code`
package com.example.orders;

import java.util.List;

public class OrderService {
    public static final int MAX_ORDERS = 50;
    private final OrderRepository repository;

    public OrderService(OrderRepository repository) {
        this.repository = repository;
    }

    @Override
    public List<Order> findAll() {
        return repository.findAll();
    }

    enum Status { OPEN, CLOSED }
}

interface OrderRepository {
    List<Order> findAll();
}
`,
    expected: [
      ["OrderService", "class", null, 5],
      ["MAX_ORDERS", "constant", "OrderService", 6],
      ["repository", "field", "OrderService", 7],
      ["OrderService", "method", "OrderService", 9],
      ["findAll", "method", "OrderService", 13],
      ["Status", "enum", "OrderService", 18],
      ["OrderRepository", "interface", null, 21],
      ["findAll", "method", "OrderRepository", 22],
    ],
  },
  {
    language: "rust",
    source: code`
use std::fmt;

pub const MAX_DEPTH: usize = 8;

#[derive(Debug)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

pub enum Shape {
    Circle(f64),
    Square(f64),
}

pub trait Area {
    fn area(&self) -> f64;
}

impl Point {
    pub fn new(x: f64, y: f64) -> Self {
        Point { x, y }
    }
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "({}, {})", self.x, self.y)
    }
}

pub type Result<T> = std::result::Result<T, String>;

mod util {
    pub fn clamp(v: f64) -> f64 {
        v
    }
}
`,
    expected: [
      ["MAX_DEPTH", "constant", null, 3],
      ["Point", "struct", null, 6],
      ["x", "field", "Point", 7],
      ["y", "field", "Point", 8],
      ["Shape", "enum", null, 11],
      ["Area", "trait", null, 16],
      ["area", "method", "Area", 17],
      ["new", "method", "Point", 21],
      ["fmt", "method", "Point", 27],
      ["Result", "type", null, 32],
      ["util", "module", null, 34],
      ["clamp", "function", "util", 35],
    ],
  },
  {
    language: "ruby",
    source: code`
require "json"

module Billing
  TAX_RATE = 0.2

  class Invoice
    def initialize(total)
      @total = total
    end

    def self.parse(json)
      new(JSON.parse(json)["total"])
    end
  end
end

def format_money(cents)
  format("%.2f", cents / 100.0)
end
`,
    expected: [
      ["Billing", "module", null, 3],
      ["TAX_RATE", "constant", "Billing", 4],
      ["Invoice", "class", "Billing", 6],
      ["initialize", "method", "Invoice", 7],
      ["parse", "method", "Invoice", 11],
      ["format_money", "function", null, 17],
    ],
  },
  {
    language: "c",
    source: code`
#include <stdlib.h>

#define MAX_NODES 128

typedef struct node {
    int value;
    struct node *next;
} node_t;

enum color { RED, GREEN };

static int count = 0;

node_t *node_new(int value) {
    node_t *n = malloc(sizeof *n);
    n->value = value;
    return n;
}

void node_free(node_t *n);
`,
    expected: [
      ["MAX_NODES", "constant", null, 3],
      ["node", "struct", null, 5],
      ["value", "field", "node", 6],
      ["next", "field", "node", 7],
      ["node_t", "type", null, 5],
      ["color", "enum", null, 10],
      ["count", "variable", null, 12],
      ["node_new", "function", null, 14],
      ["node_free", "function", null, 20],
    ],
  },
  {
    language: "cpp",
    source: code`
#include <string>

namespace geo {

class Shape {
 public:
  virtual ~Shape() = default;
  virtual double area() const = 0;
  std::string name;
};

struct Circle : Shape {
  double radius;
  double area() const override;
};

double Circle::area() const {
  return 3.14159 * radius * radius;
}

template <typename T>
T clamp(T v, T lo, T hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

}  // namespace geo
`,
    expected: [
      ["geo", "namespace", null, 3],
      ["Shape", "class", "geo", 5],
      ["~Shape", "method", "Shape", 7],
      ["area", "method", "Shape", 8],
      ["name", "field", "Shape", 9],
      ["Circle", "struct", "geo", 12],
      ["radius", "field", "Circle", 13],
      ["area", "method", "Circle", 14],
      ["area", "method", "Circle", 17],
      ["clamp", "function", "geo", 21],
    ],
  },
  {
    language: "csharp",
    source: code`
using System;

namespace Shop.Billing
{
    public interface IInvoiceRepository
    {
        Invoice Find(int id);
    }

    public class InvoiceService
    {
        public const int MaxLines = 100;
        private readonly IInvoiceRepository _repository;

        public InvoiceService(IInvoiceRepository repository)
        {
            _repository = repository;
        }

        public decimal Total { get; private set; }

        public Invoice Get(int id) => _repository.Find(id);
    }

    public enum InvoiceState { Draft, Sent }

    public struct Money
    {
        public decimal Amount;
    }
}
`,
    expected: [
      ["Shop.Billing", "namespace", null, 3],
      ["IInvoiceRepository", "interface", "Shop.Billing", 5],
      ["Find", "method", "IInvoiceRepository", 7],
      ["InvoiceService", "class", "Shop.Billing", 10],
      ["MaxLines", "constant", "InvoiceService", 12],
      ["_repository", "field", "InvoiceService", 13],
      ["InvoiceService", "method", "InvoiceService", 15],
      ["Total", "property", "InvoiceService", 20],
      ["Get", "method", "InvoiceService", 22],
      ["InvoiceState", "enum", "Shop.Billing", 25],
      ["Money", "struct", "Shop.Billing", 27],
      ["Amount", "field", "Money", 29],
    ],
  },
  {
    language: "php",
    source: code`
<?php

namespace App\Billing;

interface Payable
{
    public function pay(int $cents): bool;
}

trait LogsPayments
{
    protected function log(string $message): void {}
}

class Invoice implements Payable
{
    use LogsPayments;

    public const CURRENCY = 'EUR';
    private int $total = 0;

    public function pay(int $cents): bool
    {
        $this->total -= $cents;
        return true;
    }
}

function format_cents(int $cents): string
{
    return number_format($cents / 100, 2);
}
`,
    expected: [
      ["App\\Billing", "namespace", null, 3],
      ["Payable", "interface", null, 5],
      ["pay", "method", "Payable", 7],
      ["LogsPayments", "trait", null, 10],
      ["log", "method", "LogsPayments", 12],
      ["Invoice", "class", null, 15],
      ["CURRENCY", "constant", "Invoice", 19],
      ["total", "property", "Invoice", 20],
      ["pay", "method", "Invoice", 22],
      ["format_cents", "function", null, 29],
    ],
  },
  {
    language: "kotlin",
    source: code`
package com.example.cart

const val MAX_ITEMS = 20

interface PriceList {
    fun price(sku: String): Int
}

data class Item(val sku: String, val quantity: Int)

class Cart(private val prices: PriceList) {
    private val items = mutableListOf<Item>()

    fun add(item: Item) {
        items += item
    }

    fun total(): Int = items.sumOf { prices.price(it.sku) * it.quantity }

    companion object {
        fun empty(prices: PriceList) = Cart(prices)
    }
}

enum class Currency { EUR, USD }

fun formatCents(cents: Int): String = "%.2f".format(cents / 100.0)
`,
    expected: [
      ["MAX_ITEMS", "constant", null, 3],
      ["PriceList", "interface", null, 5],
      ["price", "method", "PriceList", 6],
      ["Item", "class", null, 9],
      ["sku", "property", "Item", 9],
      ["quantity", "property", "Item", 9],
      ["Cart", "class", null, 11],
      ["prices", "property", "Cart", 11],
      ["items", "property", "Cart", 12],
      ["add", "method", "Cart", 14],
      ["total", "method", "Cart", 18],
      ["empty", "method", "Cart", 21],
      ["Currency", "enum", null, 25],
      ["formatCents", "function", null, 27],
    ],
  },
];

describe("SymbolExtractor", () => {
  let extractor: SymbolExtractor;
  before(async () => {
    extractor = await SymbolExtractor.create();
  });
  after(async () => {
    await extractor.dispose();
  });

  for (const { language, source, expected } of CASES) {
    it(`extracts ${language} symbols`, async () => {
      assert.equal(extractor.supports(language), true);
      assert.deepEqual(rows(await extractor.extract(language, source)), expected);
    });
  }

  it("reports line ranges and one-line signatures", async () => {
    const source = CASES.find((c) => c.language === "typescript")!.source;
    const symbols = await extractor.extract("typescript", source);
    const find = symbols.find((s) => s.name === "find")!;
    assert.deepEqual(find, {
      name: "find",
      kind: "method",
      container: "UserService",
      startLine: 21,
      endLine: 24,
      signature: "async find(id: UserId): Promise<User | undefined> {",
      nameLine: 21,
    });
    const parseUser = symbols.find((s) => s.name === "parseUser")!;
    assert.equal(parseUser.endLine, 30);
    assert.equal(parseUser.signature, "export const parseUser = (input: unknown): User => {");
  });

  it("includes decorators and templates in the range, and signs with the name's line", async () => {
    const [cls, method] = await extractor.extract("python", "class A:\n    @property\n    def b(self):\n        return 1\n");
    assert.equal(cls?.name, "A");
    assert.deepEqual(method, { name: "b", kind: "method", container: "A", startLine: 2, endLine: 4, signature: "def b(self):", nameLine: 3 });
    const [define] = await extractor.extract("c", "#define LIMIT 10\nint x;\n");
    assert.deepEqual([define?.startLine, define?.endLine], [1, 1]);
  });

  it("takes containers from Go receivers, Rust impl types and C++ qualified names", async () => {
    const go = await extractor.extract("go", "package p\nfunc (s *Stack[T]) Push(v T) {}\nfunc (q Queue) Len() int { return 0 }\n");
    assert.deepEqual(rows(go), [
      ["Push", "method", "Stack", 2],
      ["Len", "method", "Queue", 3],
    ]);
    const rust = await extractor.extract(
      "rust",
      "impl<T: Clone> Stack<T> {\n    fn push(&mut self, v: T) {}\n}\nimpl fmt::Debug for crate::a::Queue {\n    fn fmt(&self) {}\n}\n",
    );
    assert.deepEqual(rows(rust), [
      ["push", "method", "Stack", 2],
      ["fmt", "method", "Queue", 5],
    ]);
    const cpp = await extractor.extract("cpp", "template <typename T>\nT Box<T>::get() const { return v; }\nns::Box::~Box() {}\n");
    assert.deepEqual(rows(cpp), [
      ["get", "method", "Box", 1],
      ["~Box", "method", "Box", 3],
    ]);
  });

  it("keeps the symbols around a syntax error", async () => {
    const typescript = [
      "export function before(): number { return 1; }",
      "",
      "function broken() {",
      "  const = ;",
      "  if (x {",
      "}",
      "",
      "export class After {",
      "  run(): void {}",
      "}",
    ].join("\n");
    const found = rows(await extractor.extract("typescript", typescript));
    assert.deepEqual(
      found.filter(([name]) => name !== "broken"),
      [
        ["before", "function", null, 1],
        ["After", "class", null, 8],
        ["run", "method", "After", 9],
      ],
    );

    const python = "def ok():\n    pass\n\ndef bad(:\n    pass\n\nclass Fine:\n    def m(self):\n        pass\n";
    const names = rows(await extractor.extract("python", python)).filter(([name]) => name !== "bad");
    assert.deepEqual(names, [
      ["ok", "function", null, 1],
      ["Fine", "class", null, 7],
      ["m", "method", "Fine", 8],
    ]);
  });

  it("answers [] for unsupported languages, empty and garbage input", async () => {
    for (const language of ["markdown", "cobol", "", "TypeScript"]) {
      assert.equal(extractor.supports(language), false);
      assert.deepEqual(await extractor.extract(language, "function a() {}"), []);
    }
    assert.deepEqual(await extractor.extract("typescript", ""), []);
    assert.deepEqual(await extractor.extract("go", "\u0000\u0001 binary \uFFFD garbage ((((("), []);
    assert.deepEqual(await extractor.extract("java", "}}}}{{{{ class"), []);
  });

  it("handles CRLF line endings and long lines", async () => {
    const [fn] = await extractor.extract("javascript", "// x\r\nfunction crlf(a) {\r\n  return a;\r\n}\r\n");
    assert.deepEqual(fn, { name: "crlf", kind: "function", container: null, startLine: 2, endLine: 4, signature: "function crlf(a) {", nameLine: 2 });
    const long = `function wide(${Array.from({ length: 100 }, (_, i) => `arg${i}`).join(", ")}) {}`;
    const [wide] = await extractor.extract("javascript", long);
    assert.equal(wide?.signature.length, 200);
    assert.ok(wide?.signature.startsWith("function wide(arg0, arg1"));
  });

  it("skips sources over 1 MiB or 50,000 lines", async () => {
    const unit = "export function f0(): void {}\n";
    const big = unit.repeat(Math.ceil((1024 * 1024 + 1) / unit.length));
    assert.deepEqual(await extractor.extract("typescript", big), []);
    const multiByte = `// ${"é".repeat(530_000)}\nfunction f() {}\n`;
    assert.ok(multiByte.length < 1024 * 1024);
    assert.deepEqual(await extractor.extract("typescript", multiByte), []);
    assert.deepEqual(await extractor.extract("python", `${"\n".repeat(50_000)}def f():\n    pass\n`), []);
    assert.equal((await extractor.extract("python", `${"\n".repeat(49_000)}def f():\n    pass\n`)).length, 1);
  });

  it("runs concurrent extractions for several languages", async () => {
    const results = await Promise.all(CASES.map((c) => extractor.extract(c.language, c.source)));
    results.forEach((symbols, i) => assert.deepEqual(rows(symbols), CASES[i]!.expected));
  });
});

describe("SymbolExtractor limits", () => {
  it("caps the number of symbols per file, keeping the first", async () => {
    const extractor = await SymbolExtractor.create({ maxSymbols: 3 });
    try {
      const source = Array.from({ length: 10 }, (_, i) => `def f${i}():\n    pass\n`).join("");
      assert.deepEqual(
        (await extractor.extract("python", source)).map((s) => s.name),
        ["f0", "f1", "f2"],
      );
    } finally {
      await extractor.dispose();
    }
  });

  it("gives [] when parsing exceeds the time budget", async () => {
    const extractor = await SymbolExtractor.create({ parseTimeoutMs: 0 });
    try {
      const source = "export function f(a: number): number { return a * 2; }\n".repeat(5_000);
      assert.deepEqual(await extractor.extract("typescript", source), []);
    } finally {
      await extractor.dispose();
    }
  });

  it("caps symbols at 5,000 by default", async () => {
    const extractor = await SymbolExtractor.create();
    try {
      const source = Array.from({ length: 6_000 }, (_, i) => `const c${i} = ${i};`).join("\n");
      const symbols = await extractor.extract("javascript", source);
      assert.equal(symbols.length, 5_000);
      assert.equal(symbols.at(-1)?.name, "c4999");
    } finally {
      await extractor.dispose();
    }
  });
});
