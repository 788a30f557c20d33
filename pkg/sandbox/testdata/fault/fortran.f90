program fault
  implicit none
  character(len=16) :: w
  integer(kind=8) :: x
  integer, pointer :: p(:)
  read(*, *) w
  if (w == 'exit') stop 3
  if (w == 'loop') then
    x = 0
    do
      x = x + 1
      if (x < 0) print *, x
    end do
  end if
  do
    allocate(p(262144))
    p = 1
  end do
end program fault
