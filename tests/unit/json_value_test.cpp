// The launcher's JSON parser: what it accepts, what it rejects, and that it
// reads back exactly what the writer wrote.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "json_value.h"
#include "json_writer.h"

namespace shmcheck::launcher {
namespace {

JsonValue parsed(const std::string &text) {
  JsonValue v;
  std::string error;
  EXPECT_TRUE(parse_json(text, v, &error)) << text << ": " << error;
  return v;
}

std::string rejection(const std::string &text) {
  JsonValue v;
  std::string error;
  EXPECT_FALSE(parse_json(text, v, &error)) << text;
  return error;
}

TEST(JsonValue, ReadsObjectsArraysAndScalars) {
  JsonValue v = parsed(R"( {"a": [1, -2, 3.5e2, true, false, null], "b": {"c": "d"}, "e": {}} )");
  ASSERT_TRUE(v.is_object());
  const JsonValue *a = v.get("a");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->items().size(), 6u);
  EXPECT_EQ(a->items()[0].as_uint(), 1u);
  EXPECT_FALSE(a->items()[1].as_uint().has_value()) << "negative";
  EXPECT_FALSE(a->items()[2].as_uint().has_value()) << "not an integer";
  EXPECT_EQ(a->items()[3].as_bool(), true);
  EXPECT_EQ(a->items()[4].as_bool(), false);
  EXPECT_EQ(a->items()[5].kind(), JsonValue::Kind::Null);
  EXPECT_EQ(v.get("b")->string_or("c"), "d");
  EXPECT_TRUE(v.get("e")->members().empty());
  EXPECT_EQ(v.get("missing"), nullptr);
  EXPECT_EQ(v.string_or("a", "fallback"), "fallback") << "mistyped member";
  EXPECT_EQ(v.uint_or("b", 7), 7u);
  EXPECT_EQ(v.bool_or("nothing", true), true);
}

TEST(JsonValue, KeepsSixtyFourBitNumbersExact) {
  JsonValue v = parsed(R"({"big": 18446744073709551615, "over": 18446744073709551616})");
  EXPECT_EQ(v.uint_or("big"), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(v.uint_or("over", 5), 5u) << "does not fit: the fallback";
}

TEST(JsonValue, DecodesEscapesAndSurrogatePairs) {
  JsonValue v = parsed(R"(["a\"b\\c\/d\n\t", "\u00e9\u20ac", "\ud83d\ude00", "\u0000x"])");
  EXPECT_EQ(v.items()[0].as_string(), "a\"b\\c/d\n\t");
  EXPECT_EQ(v.items()[1].as_string(), "\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(v.items()[2].as_string(), "\xf0\x9f\x98\x80");
  EXPECT_EQ(v.items()[3].as_string(), std::string("\0x", 2));
}

TEST(JsonValue, RejectsMalformedDocuments) {
  EXPECT_EQ(rejection(""), "offset 0: unexpected end of input");
  EXPECT_EQ(rejection("{\"a\":1,}"), "offset 7: expected a member name");
  EXPECT_EQ(rejection("[1 2]"), "offset 3: expected ',' or ']'");
  EXPECT_EQ(rejection("{\"a\" 1}"), "offset 5: expected ':'");
  EXPECT_EQ(rejection("\"open"), "offset 5: unterminated string");
  EXPECT_EQ(rejection("\"tab\there\""), "offset 4: control character in string");
  EXPECT_EQ(rejection("01"), "offset 1: unexpected text after the document");
  EXPECT_EQ(rejection("1."), "offset 2: malformed number");
  EXPECT_EQ(rejection("-"), "offset 1: malformed number");
  EXPECT_EQ(rejection("tru"), "offset 0: unknown literal");
  EXPECT_EQ(rejection("\"\\x\""), "offset 3: unknown escape");
  EXPECT_EQ(rejection("\"\\ud800\""), "offset 7: unpaired surrogate");
  EXPECT_EQ(rejection("\"\\u12g4\""), "offset 6: bad hex digit in \\u escape");
  EXPECT_EQ(rejection("{} {}"), "offset 3: unexpected text after the document");
  EXPECT_EQ(rejection(std::string(200, '[') + std::string(200, ']')).substr(0, 7), "offset ");
}

TEST(JsonValue, ReadsBackWhatTheWriterWrote) {
  report::JsonWriter w(2);
  std::string nasty = "quote\" back\\slash \x01 tab\t caf\xc3\xa9 bad\xff";
  w.begin_object();
  w.member("text", nasty);
  w.member("max", std::numeric_limits<uint64_t>::max());
  w.key("list").begin_array().value(false).null().end_array();
  w.end_object();
  JsonValue v = parsed(w.text());
  EXPECT_EQ(v.string_or("text"), "quote\" back\\slash \x01 tab\t caf\xc3\xa9 bad\xef\xbf\xbd");
  EXPECT_EQ(v.uint_or("max"), std::numeric_limits<uint64_t>::max());
  ASSERT_EQ(v.get("list")->items().size(), 2u);
}

}  // namespace
}  // namespace shmcheck::launcher
