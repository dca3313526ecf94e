// The JSON writer: escaping, separators, nesting, numbers, indentation.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "json_writer.h"

namespace shmcheck::report {
namespace {

std::string quoted(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(quoted("plain"), "\"plain\"");
  EXPECT_EQ(quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quoted("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(quoted(std::string_view("\x01\x1f\x00", 3)), "\"\\u0001\\u001f\\u0000\"");
  EXPECT_EQ(quoted("/path/with/slashes"), "\"/path/with/slashes\"");
  EXPECT_EQ(quoted("\x7f"), "\"\x7f\"");  // DEL is allowed as is
}

TEST(JsonWriter, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(quoted("bad\xff"), "\"bad\\ufffd\"");
  EXPECT_EQ(quoted("\xc3"), "\"\\ufffd\"");                 // truncated sequence
  EXPECT_EQ(quoted("\xc0\xaf"), "\"\\ufffd\\ufffd\"");      // overlong '/'
  EXPECT_EQ(quoted("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
  EXPECT_EQ(quoted("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // > U+10FFFF
  EXPECT_EQ(quoted("\x80x"), "\"\\ufffdx\"");               // stray continuation byte
}

TEST(JsonWriter, SeparatesMembersAndElements) {
  JsonWriter w;
  w.begin_object();
  w.member("name", "counter");
  w.member("count", 3);
  w.key("empty").begin_array().end_array();
  w.key("list").begin_array().value(1).value("two").value(true).null().end_array();
  w.key("nested").begin_object().member("ok", false).end_object();
  w.key("none").begin_object().end_object();
  w.end_object();
  EXPECT_EQ(w.text(),
            "{\"name\":\"counter\",\"count\":3,\"empty\":[],\"list\":[1,\"two\",true,null],"
            "\"nested\":{\"ok\":false},\"none\":{}}");
}

TEST(JsonWriter, StringLiteralsStayStrings) {
  JsonWriter w;
  w.begin_array().value("text").value(std::string("std")).end_array();
  EXPECT_EQ(w.text(), "[\"text\",\"std\"]");
}

TEST(JsonWriter, WritesTheFullRangeOfIntegers) {
  JsonWriter w;
  w.begin_array();
  w.value(std::numeric_limits<int64_t>::min());
  w.value(std::numeric_limits<uint64_t>::max());
  w.value(static_cast<uint8_t>(200));
  w.value(-1);
  w.value(0u);
  w.end_array();
  EXPECT_EQ(w.text(), "[-9223372036854775808,18446744073709551615,200,-1,0]");
}

TEST(JsonWriter, IndentsNestedValues) {
  JsonWriter w(2);
  w.begin_object();
  w.member("a", 1);
  w.key("b").begin_array().value(2).begin_object().member("c", 3).end_object().end_array();
  w.key("d").begin_array().end_array();
  w.end_object();
  EXPECT_EQ(w.text(),
            "{\n"
            "  \"a\": 1,\n"
            "  \"b\": [\n"
            "    2,\n"
            "    {\n"
            "      \"c\": 3\n"
            "    }\n"
            "  ],\n"
            "  \"d\": []\n"
            "}");
}

TEST(JsonWriter, EscapesKeysToo) {
  JsonWriter w;
  w.begin_object().member("we\"ird\n", 1).end_object();
  EXPECT_EQ(w.text(), "{\"we\\\"ird\\n\":1}");
}

TEST(JsonWriter, TakeLeavesTheWriterEmpty) {
  JsonWriter w;
  w.begin_array().value(1).end_array();
  EXPECT_EQ(w.take(), "[1]");
  EXPECT_EQ(w.text(), "");
}

}  // namespace
}  // namespace shmcheck::report
