// A small streaming JSON writer: the runtime's race records (report_json)
// and the launcher's --json and --sarif files.
//
// It allocates (std::string), so the runtime calls it only from normal
// context (flush_reports, process start and exit), never from a signal
// handler. Commas and, when asked, indentation are inserted by the writer;
// the caller only says what comes next.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace shmcheck::report {

// Appends `text` as a quoted JSON string. Control characters are escaped;
// bytes that are not valid UTF-8 become U+FFFD, so the output is always
// valid JSON whatever a path or symbol name contains.
void append_json_string(std::string &out, std::string_view text);

class JsonWriter {
 public:
  // indent 0: everything on one line (one record per line); otherwise
  // members and elements go on their own lines, nested by `indent` spaces.
  explicit JsonWriter(int indent = 0) : indent_(indent) {}

  JsonWriter &begin_object();
  JsonWriter &end_object();
  JsonWriter &begin_array();
  JsonWriter &end_array();
  // The name of the next member of the current object.
  JsonWriter &key(std::string_view name);

  JsonWriter &value(std::string_view text);
  JsonWriter &value(const std::string &text) { return value(std::string_view(text)); }
  // Without this overload a string literal would convert to bool.
  JsonWriter &value(const char *text) { return value(std::string_view(text)); }
  JsonWriter &value(bool flag);
  JsonWriter &null();
  template <typename T,
            std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  JsonWriter &value(T number) {
    if constexpr (std::is_signed_v<T>)
      return signed_number(static_cast<int64_t>(number));
    else
      return unsigned_number(static_cast<uint64_t>(number));
  }

  // key(name).value(v)
  template <typename T>
  JsonWriter &member(std::string_view name, const T &v) {
    key(name);
    return value(v);
  }

  const std::string &text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  JsonWriter &signed_number(int64_t number);
  JsonWriter &unsigned_number(uint64_t number);
  // Separator and indentation before a value or a key.
  void before_item();
  void open(char bracket);
  void close(char bracket);
  void newline(size_t depth);

  std::string out_;
  // One entry per open object or array: true while it is still empty.
  std::vector<bool> empty_;
  bool after_key_ = false;
  int indent_;
};

}  // namespace shmcheck::report
